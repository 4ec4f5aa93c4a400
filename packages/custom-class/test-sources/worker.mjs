// Loads a model inside a worker thread (as a multi-worker server would) and posts back one prediction.
import { parentPort, workerData } from "node:worker_threads";
import { loadModel } from "@pyfunc/core";
import "@pyfunc/custom-class";

const model = await loadModel(workerData.modelDir);
parentPort.postMessage(await model.predict(workerData.input));
