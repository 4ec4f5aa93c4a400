import { join } from "node:path";
import { repoRoot } from "./pack.js";

/** One flavor installed alone next to core, and a program that uses it the way its README says. */
export interface Scenario {
  flavor: string;
  /** Workspace folders to pack: always core, then the flavor. */
  packages: string[];
  /** An ES module run with node in the installed project; it must print a line starting with "OK". */
  program: string;
  /** A TypeScript file type-checked against the installed packages' declarations. */
  typesProgram: string;
}

const fixture = (...parts: string[]) => JSON.stringify(join(repoRoot, ...parts));

export const scenarios: Scenario[] = [
  {
    flavor: "xgboost",
    packages: ["packages/core", "packages/xgboost"],
    program: `
      import { readFileSync } from "node:fs";
      import { loadModel } from "@pyfunc/core";
      import "@pyfunc/xgboost";
      const expected = JSON.parse(readFileSync(${fixture("apps/examples/python-to-node/expected.json")}, "utf8"));
      const model = await loadModel(${fixture("apps/examples/python-to-node/model")});
      const records = expected.input.data.map((row) => Object.fromEntries(expected.input.columns.map((c, i) => [c, row[i]])));
      const out = await model.predict(records);
      const got = Array.from(out.data, Number);
      if (JSON.stringify(got) !== JSON.stringify(expected.predictions)) throw new Error("got " + JSON.stringify(got));
      console.log("OK", JSON.stringify(got));
    `,
    typesProgram: `
      import { loadModel, type PyFuncModel, type Tensor } from "@pyfunc/core";
      import { saveModel } from "@pyfunc/xgboost";
      const model: PyFuncModel = await loadModel("./model");
      const out = (await model.predict([{ a: 1 }])) as Tensor;
      const shape: number[] = out.shape;
      void saveModel; void shape;
    `,
  },
  {
    flavor: "onnx",
    packages: ["packages/core", "packages/onnx"],
    program: `
      import { readFileSync } from "node:fs";
      import { loadModel } from "@pyfunc/core";
      import "@pyfunc/onnx";
      const dir = ${fixture("packages/onnx/fixtures/mlflow-tensor-external")};
      const input = JSON.parse(readFileSync(dir + "/inputs.json", "utf8")).runs[0].input;
      const expected = JSON.parse(readFileSync(dir + "/expected.json", "utf8")).runs[0].output;
      const model = await loadModel(dir + "/model");
      const out = await model.predict({ dtype: "float32", shape: input.shape, data: Float32Array.from(input.data) });
      const got = out.output ?? out;
      const worst = Math.max(...Array.from(got.data, (v, i) => Math.abs(v - expected.data[i])));
      if (!(worst < 1e-5)) throw new Error("max abs diff " + worst);
      console.log("OK max abs diff", worst);
    `,
    typesProgram: `
      import { loadModel, type TensorDict } from "@pyfunc/core";
      import { saveModel, loadOnnxModel } from "@pyfunc/onnx";
      const model = await loadModel("./model");
      const out = (await model.predict({ dtype: "float32", shape: [1, 4], data: new Float32Array(4) })) as TensorDict;
      void out; void saveModel; void loadOnnxModel;
    `,
  },
];
