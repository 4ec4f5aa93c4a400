"use strict";
// Node's own dynamic import, loaded with require() so that tools which rewrite `import()` in ES modules
// (Vite, vitest, bundlers) cannot reroute model code away from Node's loader and the @pyfunc resolve hook.
module.exports = function nativeImport(specifier) {
  return import(specifier);
};
