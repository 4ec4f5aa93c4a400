#!/usr/bin/env node
// Create a new @pyfunc flavor package from this template, ready to build and test outside this repository:
//   node tooling/flavor-template/create.mjs <target-dir> --name <npm-package-name> --flavor <flavor_key>
//        [--core <path/to/pyfunc-core-x.y.z.tgz>] [--core-version <x.y.z>] [--description <text>]
// Every template name is renamed (package, flavor key, identifiers, file names); the new package gets its own
// README, description, .gitignore, a standalone tsconfig with this repository's strictness, and a package.json
// whose @pyfunc/core dependency is the tarball given with --core (`pnpm pack` of packages/core), else ^x.y.z.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");
const USAGE =
  "usage: create.mjs <target-dir> --name <npm-package-name> --flavor <flavor_key> " +
  "[--core <pyfunc-core-x.y.z.tgz>] [--core-version <x.y.z>] [--description <text>]";

function fail(message) {
  console.error(message);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      flavor: { type: "string" },
      core: { type: "string" },
      "core-version": { type: "string" },
      description: { type: "string" },
    },
  });
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
const { values, positionals } = args;
const [target] = positionals;
const { name, flavor } = values;
if (!target || !name || !flavor || positionals.length > 1) fail(USAGE);
if (!/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name) || name.length > 214) {
  fail(`'${name}' is not a valid npm package name`);
}
if (!/^[a-z][a-z0-9_]*$/.test(flavor)) {
  fail(`'${flavor}' is not a valid flavor key (a lowercase letter, then lowercase letters, digits and _)`);
}
if (flavor === "python_function" || flavor === "js_function") {
  fail(`'${flavor}' is the pyfunc block's key in MLmodel, not a flavor key`);
}
const dest = resolve(target);
if (existsSync(dest) && (!statSync(dest).isDirectory() || readdirSync(dest).length > 0)) {
  fail(`${dest} is not an empty directory`);
}

/** The package.json inside an npm package tarball (`package/package.json`), read without unpacking it. */
function tarballManifest(file) {
  const tar = gunzipSync(readFileSync(file));
  const text = (bytes) => {
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end < 0 ? bytes.length : end).toString("utf8");
  };
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const prefix = text(header.subarray(345, 500));
    const path = prefix ? `${prefix}/${text(header.subarray(0, 100))}` : text(header.subarray(0, 100));
    const size = Number.parseInt(text(header.subarray(124, 136)).trim() || "0", 8);
    offset += 512;
    if (path === "package/package.json")
      return JSON.parse(tar.subarray(offset, offset + size).toString("utf8"));
    offset += Math.ceil(size / 512) * 512;
  }
  throw new Error("it holds no package/package.json");
}

// The @pyfunc/core this package is built against: a local tarball (until core is on npm), or a registry range.
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
let coreVersion = values["core-version"];
let coreDependency;
if (values.core !== undefined) {
  const tarball = resolve(values.core);
  if (!existsSync(tarball) || !statSync(tarball).isFile()) fail(`--core: no file at ${tarball}`);
  let manifest;
  try {
    manifest = tarballManifest(tarball);
  } catch (error) {
    fail(`--core: ${tarball} is not an npm package tarball (${error.message})`);
  }
  if (manifest.name !== "@pyfunc/core") fail(`--core: ${tarball} is ${manifest.name}, not @pyfunc/core`);
  if (coreVersion !== undefined && coreVersion !== manifest.version) {
    fail(`--core-version ${coreVersion} differs from the tarball's version ${manifest.version}`);
  }
  coreVersion = manifest.version;
  const rel = relative(dest, tarball).split(sep).join("/");
  coreDependency = `file:${rel.startsWith(".") ? rel : `./${rel}`}`;
}
coreVersion ??= JSON.parse(readFileSync(join(repoRoot, "packages/core/package.json"), "utf8")).version;
if (!SEMVER.test(coreVersion)) fail(`'${coreVersion}' is not a version (x.y.z)`);
coreDependency ??= `^${coreVersion}`;
const description =
  values.description ??
  `The ${flavor} flavor for @pyfunc/core: MLflow pyfunc models of this flavor in Node.js`;

if (!name.startsWith("@pyfunc/") && !name.includes("pyfunc-flavor")) {
  console.warn(
    `warning: core's discovery finds installed flavor packages named @pyfunc/* or containing "pyfunc-flavor"; ` +
      `'${name}' is found only when the application imports it first`,
  );
}

// The template's names, each replaced in one pass (so a new name that contains an old one is not rewritten).
const pascal = flavor
  .split("_")
  .filter((part) => part.length > 0)
  .map((part) => part[0].toUpperCase() + part.slice(1))
  .join("");
const names = {
  "pyfunc-flavor-template": name,
  linear_template: flavor,
  "linear-template": flavor.replaceAll("_", "-"),
  LinearTemplate: pascal,
  linearTemplate: pascal[0].toLowerCase() + pascal.slice(1),
};
const NAME_PATTERN = new RegExp(Object.keys(names).join("|"), "g");
const placeholders = {
  "{{description}}": /[.!?]$/.test(description) ? description : `${description}.`,
  "{{coreVersion}}": coreVersion,
  "{{coreDependency}}": coreDependency,
};
const rename = (text) =>
  text.replace(NAME_PATTERN, (m) => names[m]).replace(/\{\{\w+\}\}/g, (m) => placeholders[m] ?? m);

// What is copied: the package's sources and configuration, not this script, its test, or the template's README.
const SKIP = new Set([
  "node_modules",
  "dist",
  ".turbo",
  "coverage",
  "create.mjs",
  "README.md",
  "new-package",
]);
const SKIP_IN_SRC = new Set(["create.test.ts"]);
/** [source, path in the new package] of every file to write. */
const files = [];
function collect(dir, rel) {
  for (const entry of readdirSync(dir)) {
    if (
      entry.startsWith(".tmp-") ||
      (rel === "" && SKIP.has(entry)) ||
      (rel === "src" && SKIP_IN_SRC.has(entry))
    )
      continue;
    const source = join(dir, entry);
    const path = rel === "" ? entry : `${rel}/${entry}`;
    if (statSync(source).isDirectory()) collect(source, path);
    else files.push([source, path]);
  }
}
collect(here, "");
files.push(
  [join(here, "new-package/README.md"), "README.md"],
  [join(here, "new-package/gitignore"), ".gitignore"],
);

/** The new package's package.json: its own name, description and marker; dependencies outside the workspace. */
function packageJson(text) {
  const pkg = JSON.parse(text);
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).devDependencies;
  delete pkg.private;
  pkg.version = "0.1.0";
  pkg.description = description;
  pkg.pyfunc = { flavor: { loaderModules: [name] } };
  pkg.scripts = { ...pkg.scripts, prepack: "tsc -p tsconfig.build.json" };
  pkg.dependencies = { "@pyfunc/core": coreDependency };
  // the tools this repository builds and tests with, at the same ranges
  pkg.devDependencies = Object.fromEntries(
    ["@types/node", "fast-check", "typescript", "vitest"].map((dep) => {
      if (root[dep] === undefined) fail(`the repository's package.json has no devDependency ${dep}`);
      return [dep, root[dep]];
    }),
  );
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** A standalone tsconfig.json: this repository's base options (strict, verbatimModuleSyntax, …) inlined. */
function tsconfigJson(text) {
  const { extends: _extends, compilerOptions, ...rest } = JSON.parse(text);
  const base = JSON.parse(readFileSync(join(repoRoot, "tooling/tsconfig/base.json"), "utf8")).compilerOptions;
  return `${JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, ...rest }, null, 2)}\n`;
}

function pluginTs(text) {
  const pinned = text.replace(/coreVersion: "[^"]*"/, `coreVersion: "^${coreVersion}"`);
  if (pinned === text && !text.includes(`coreVersion: "^${coreVersion}"`))
    fail("src/plugin.ts has no coreVersion");
  return pinned;
}

const transforms = { "package.json": packageJson, "tsconfig.json": tsconfigJson, "src/plugin.ts": pluginTs };
mkdirSync(dest, { recursive: true });
for (const [source, path] of files) {
  const out = join(dest, rename(path));
  mkdirSync(dirname(out), { recursive: true });
  let text = rename(readFileSync(source, "utf8"));
  text = transforms[path]?.(text) ?? text;
  writeFileSync(out, text);
}

console.log(`Created ${name} (flavor '${flavor}', @pyfunc/core ${coreDependency}) in ${dest}.
Next: cd ${relative(process.cwd(), dest) || "."} && npm install && npm run build && npm test`);
