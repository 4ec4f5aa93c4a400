/**
 * Example 1, Python → Node: load the XGBoost classifier that python-to-node/train.py trained in Python and saved
 * as an MLflow model directory, predict in-process with @pyfunc/core's `loadModel`, and check the answers against
 * what XGBoost itself predicted in Python (python-to-node/expected.json).
 */
import { readFile } from "node:fs/promises";
import { loadModel, MlflowException, type PyFuncOutput } from "@pyfunc/core";
import "@pyfunc/xgboost"; // registers the mlflow.xgboost flavor (loadModel would also find it on its own)
import { xgboostAllRowsFile, xgboostExpectedFile, xgboostModelDir } from "./example-paths.js";

interface Expected {
  input: { columns: string[]; data: number[][] };
  predictions: number[];
}

/** The predicted labels as plain numbers, whatever container the flavor returned them in. */
function labelsOf(output: PyFuncOutput): number[] {
  if (Array.isArray(output)) return output.map(Number);
  if (typeof output === "object" && output !== null && "data" in output) {
    return Array.from(output.data as ArrayLike<number | bigint>, Number);
  }
  throw new Error(`unexpected prediction output: ${JSON.stringify(output)}`);
}

const expected = JSON.parse(await readFile(xgboostExpectedFile, "utf8")) as Expected;
const { columns, data } = expected.input;

const model = await loadModel(xgboostModelDir);
console.log(`Loaded ${xgboostModelDir}`);
console.log(`  flavor: ${model.loaderModule}`);
console.log(`  signature inputs: ${model.metadata.getSignature()?.inputs?.inputNames().join(", ")}\n`);

// A list of records is one of the inputs MLflow accepts (as `pd.DataFrame(records)` would be in Python).
const records = data.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
const labels = labelsOf(await model.predict(records));

console.log(columns.join("  "), " →  Node  Python");
for (let r = 0; r < data.length; r++) {
  const cells = data[r]!.map((v, i) => String(v).padStart(columns[i]!.length)).join("  ");
  console.log(
    `${cells}  →  ${String(labels[r]).padStart(4)}  ${String(expected.predictions[r]).padStart(6)}`,
  );
}

// The whole data set (569 rows), as a column-oriented dict of arrays (pandas' `DataFrame(dict)` in Python).
const all = JSON.parse(await readFile(xgboostAllRowsFile, "utf8")) as Expected["input"] & {
  predictions: number[];
};
const allLabels = labelsOf(
  await model.predict(Object.fromEntries(all.columns.map((c, i) => [c, all.data.map((row) => row[i]!)]))),
);
const agree = allLabels.filter((label, r) => label === all.predictions[r]).length;
console.log(`\nAll ${all.data.length} rows of the data set: ${agree} labels equal Python's.`);

// The signature is enforced as MLflow does: a missing required column is a clear error, not a crash.
try {
  await model.predict([{ mean_radius: 12.5 }]);
  console.log("\nA request without the required columns was accepted (unexpected).");
  process.exitCode = 1;
} catch (error) {
  if (!(error instanceof MlflowException)) throw error;
  console.log(`\nA row missing columns is refused: ${error.errorCode}: ${error.message.split("\n")[0]}`);
}

await model.close();

const same =
  JSON.stringify(labels) === JSON.stringify(expected.predictions) &&
  allLabels.length === all.data.length &&
  agree === all.data.length;
console.log(
  same
    ? `\nOK: Node predicted ${JSON.stringify(labels)} and all ${agree} labels of the data set exactly as XGBoost did in Python.`
    : `\nMISMATCH: Node predicted ${JSON.stringify(labels)}, Python ${JSON.stringify(expected.predictions)}.`,
);
if (!same) process.exitCode = 1;
