// Benchmark: @pyfunc/pickle's readPickle vs Python's C pickle.loads (Debian python3, numpy, sklearn)
// on the same files in the same run. Python builds the real objects; we build inert records and typed
// arrays, which is what a flavor starts from. Usage: pnpm -F @pyfunc/pickle bench (builds on dist/).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Allowlist, inertRecord, readPickle, standardAllowlist } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYFUNC_BENCH_PYTHON ?? "/usr/bin/python3";
const work = join(tmpdir(), "pyfunc-pickle-bench");
const python = JSON.parse(
  execFileSync(PY, [join(here, "make_models.py"), work], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop(),
);

// Inert records for the sklearn classes these files name (a flavor would register its own handlers).
class Inert extends Allowlist {
  get(name) {
    return super.get(name) ?? (name.startsWith("sklearn.") ? inertRecord : undefined);
  }
  has(name) {
    return super.has(name) || name.startsWith("sklearn.");
  }
}
const allowlist = new Inert().use(standardAllowlist());

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  "file                          size     readPickle   python pickle.loads   ratio (python / ours)",
);
for (const [name, py] of Object.entries(python)) {
  const bytes = new Uint8Array(readFileSync(join(work, `${name}.pkl`)));
  for (let i = 0; i < 15; i++) readPickle(bytes, { allowlist }); // warm up (JIT)
  const runs = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    readPickle(bytes, { allowlist });
    runs.push(performance.now() - t);
  }
  const ours = median(runs);
  console.log(
    `${name.padEnd(28)} ${(py.bytes / 1e6).toFixed(2).padStart(5)} MB ${ours.toFixed(2).padStart(9)} ms ${py.python_ms
      .toFixed(2)
      .padStart(12)} ms ${(py.python_ms / ours).toFixed(2).padStart(16)}x`,
  );
}
