"use strict";
// The piscina worker of @pyfunc/forest's pool. The pool sends, once, in workerData, the model's layout (shared
// memory, a compiled WebAssembly.Module) and the source text of the kernels this package runs on the main thread
// (src/pool.ts), so a worker computes exactly what the calling thread would. Each task is one row range.
const { workerData } = require("node:worker_threads");

const run = new Function(workerData.source)()(workerData.model);

module.exports = function forestTask(job) {
  run(job);
  return true;
};
