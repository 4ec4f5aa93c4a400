// `pnpm pyfunc …` from a clone of the repository (the root package.json's "pyfunc" script).
// pnpm runs root scripts in the workspace root; relative paths on the command line are meant from the folder
// the command was typed in, which pnpm passes as INIT_CWD.
import { existsSync } from "node:fs";

const bin = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(bin)) {
  process.stderr.write("pyfunc: error: the CLI is not built yet; run `pnpm build` first.\n");
  process.exit(1);
}
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(bin.href);
