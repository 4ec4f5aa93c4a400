// Runs inside a worker thread: load a model with the built package and predict, as a server worker would.
import { parentPort, workerData } from "node:worker_threads";
import { loadOnnxModel } from "../../dist/index.js";

const model = await loadOnnxModel(workerData.modelPath, { warn: () => {} });
const out = await model.predict({
  dtype: "float32",
  shape: workerData.shape,
  data: Float32Array.from(workerData.data),
});
parentPort.postMessage({ names: Object.keys(out), data: Array.from(out[Object.keys(out)[0]].data) });
await model.close();
