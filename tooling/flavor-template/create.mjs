#!/usr/bin/env node
// Create a new @pyfunc flavor package from this template:
//   node tooling/flavor-template/create.mjs <target-dir> --name <npm-package-name> --flavor <flavor_key>
// The result builds with `tsc`, registers its plugin on import, and runs @pyfunc/core/testing's conformance kit.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { name: { type: "string" }, flavor: { type: "string" }, "core-version": { type: "string" } },
});
const [target] = positionals;
const name = values.name;
const flavor = values.flavor;
if (!target || !name || !flavor) {
  console.error("usage: create.mjs <target-dir> --name <npm-package-name> --flavor <flavor_key>");
  process.exit(2);
}
if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name)) {
  console.error(`'${name}' is not a valid npm package name`);
  process.exit(2);
}
if (!/^[a-z][a-z0-9_]*$/.test(flavor)) {
  console.error(`'${flavor}' is not a valid flavor key (lowercase letters, digits and _)`);
  process.exit(2);
}
const dest = resolve(target);
if (existsSync(dest) && readdirSync(dest).length > 0) {
  console.error(`${dest} is not empty`);
  process.exit(2);
}

const skip = new Set(["node_modules", "dist", ".turbo", "create.mjs", "create.test.ts"]);
const keep = (src) => {
  const base = src.split(/[\\/]/).pop() ?? "";
  return !skip.has(base) && !base.startsWith(".tmp-");
};
for (const entry of readdirSync(here)) {
  if (keep(entry)) cpSync(join(here, entry), join(dest, entry), { recursive: true, filter: keep });
}

const coreVersion =
  values["core-version"] ??
  JSON.parse(readFileSync(join(here, "../../packages/core/package.json"), "utf8")).version;
function rewrite(dir) {
  for (const entry of readdirSync(dir)) {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) {
      rewrite(file);
      continue;
    }
    let text = readFileSync(file, "utf8");
    text = text.replaceAll("pyfunc-flavor-template", name).replaceAll("linear_template", flavor);
    if (entry === "package.json") {
      const pkg = JSON.parse(text);
      delete pkg.private;
      pkg.version = "0.1.0";
      pkg.peerDependencies = { "@pyfunc/core": `^${coreVersion}` };
      // Outside this monorepo the template's workspace links become registry versions.
      pkg.devDependencies = {
        "@pyfunc/core": `^${coreVersion}`,
        typescript: "~5.9.3",
        vitest: "~4.1.0",
        "@types/node": "^20.19.0",
      };
      text = `${JSON.stringify(pkg, null, 2)}\n`;
    }
    if (entry === "tsconfig.json") {
      const cfg = JSON.parse(text);
      delete cfg.extends;
      cfg.compilerOptions = {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        declaration: true,
        skipLibCheck: true,
        types: ["node"],
        ...cfg.compilerOptions,
      };
      text = `${JSON.stringify(cfg, null, 2)}\n`;
    }
    writeFileSync(file, text);
  }
}
rewrite(dest);
console.log(
  `Created ${name} (flavor '${flavor}') in ${dest}. Next: npm install && npm run build && npm test`,
);
