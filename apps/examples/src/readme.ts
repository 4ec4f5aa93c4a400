// The code example of the top README.md, verbatim (a test keeps the two identical). Run it from the repository
// root after `pnpm build`: `node apps/examples/dist/readme.js`.
import { loadModel } from "@pyfunc/core";
import "@pyfunc/xgboost"; // registers the mlflow.xgboost loader (core also finds installed flavors by itself)

// Any MLflow model URI: a local directory, runs:/…, models:/name@alias, s3://…, mlflow-artifacts:/…
const model = await loadModel("apps/examples/python-to-node/model"); // an XGBClassifier logged from Python

// The same inputs as MLflow's pyfunc: records, a dict of columns, a DataFrame, tensors …
const predictions = await model.predict([
  { mean_radius: 17.99, mean_texture: 10.38, mean_smoothness: 0.1184, worst_concavity: 0.7119 },
  { mean_radius: 9.504, mean_texture: 12.44, mean_smoothness: 0.1024, worst_concavity: 0.08867 },
]);
console.log(predictions); // { dtype: "int64", shape: [2], data: BigInt64Array [0n, 1n] }, as XGBClassifier.predict

// The signature is enforced as MLflow does it: a missing column is an MlflowException
// with errorCode "INVALID_PARAMETER_VALUE", which the server answers with HTTP 400.
await model.predict([{ mean_radius: 17.99 }]).catch((e) => console.log(e.errorCode, e.message));
console.log(model.metadata.getSignature()?.inputs?.toJson());
