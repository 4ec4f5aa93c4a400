// The fixture models the server bench uses (each package keeps its own copy in the repo).
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages");
const xgb = path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json");
const onnx = path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input");
export const MODELS = {
  xgboost: {
    name: "xgboost regressor",
    flavor: "@pyfunc/xgboost",
    dir: xgb,
    modelDir: path.join(xgb, "model"),
  },
  onnx: {
    name: "onnx 3-input columns",
    flavor: "@pyfunc/onnx",
    dir: onnx,
    modelDir: path.join(onnx, "model"),
  },
};
