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
  /**
   * Type-check with `skipLibCheck: true`: for flavors whose third-party dependencies ship declarations that do not
   * compile under `strict` on their own (@tensorflow/tfjs-core needs a global `Long` from @types/long, and
   * tfjs-layers' declarations fail strictNullChecks). The program's own use of our declarations is still checked.
   */
  skipLibCheck?: boolean;
}

const fixture = (...parts: string[]) => JSON.stringify(join(repoRoot, ...parts));

export const scenarios: Scenario[] = [
  {
    flavor: "xgboost",
    packages: ["packages/core", "packages/forest", "packages/xgboost"],
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
  {
    flavor: "tfjs",
    packages: ["packages/core", "packages/tfjs"],
    program: `
      import { mkdtempSync, readFileSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      import { loadModel } from "@pyfunc/core";
      import { saveModel } from "@pyfunc/tfjs";
      const fixture = ${fixture("packages/tfjs/fixtures/dense-classifier")};
      const dir = join(mkdtempSync(join(tmpdir(), "pyfunc-tfjs-alone-")), "model");
      await saveModel(dir, { tfjsModel: join(fixture, "model.json") });
      const inputs = JSON.parse(readFileSync(join(fixture, "inputs.json"), "utf8")).runs;
      const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")).runs;
      const model = await loadModel(dir);
      if (model.loaderModule !== "@pyfunc/tfjs") throw new Error("loaded by " + model.loaderModule);
      let worst = 0;
      for (let r = 0; r < inputs.length; r++) {
        const x = inputs[r].hidden_input;
        const out = await model.predict({ dtype: "float32", shape: x.shape, data: Float32Array.from(x.data) });
        const want = expected[r].probs;
        if (JSON.stringify(out.shape) !== JSON.stringify(want.shape)) throw new Error("shape " + JSON.stringify(out.shape));
        for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - want.data[i]));
      }
      if (!(worst < 1e-5)) throw new Error("max abs diff " + worst);
      await model.close();
      console.log("OK", inputs.length, "runs, max abs diff", worst);
    `,
    skipLibCheck: true,
    typesProgram: `
      import { loadModel, type Model, type Tensor } from "@pyfunc/core";
      import { saveModel } from "@pyfunc/tfjs";
      const saved: Model = await saveModel("./model", { tfjsModel: "./fixture/model.json", modelConfig: { backend: "cpu" } });
      const model = await loadModel("./model");
      const out = (await model.predict({ dtype: "float32", shape: [1, 8], data: new Float32Array(8) })) as Tensor;
      const shape: number[] = out.shape;
      void saved; void shape;
    `,
  },
  {
    flavor: "custom-class",
    // @pyfunc/custom-class depends on @pyfunc/function (the shared models-from-code machinery)
    packages: ["packages/core", "packages/function", "packages/custom-class"],
    program: `
      import { mkdtempSync, writeFileSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      import { loadModel } from "@pyfunc/core";
      import { saveModel } from "@pyfunc/custom-class";
      // a model whose code imports only @pyfunc/custom-class, with an artifact and a model_config
      const src = mkdtempSync(join(tmpdir(), "pyfunc-custom-class-alone-"));
      writeFileSync(join(src, "weights.json"), JSON.stringify({ w: 3 }));
      writeFileSync(join(src, "model.mjs"), [
        'import { readFileSync } from "node:fs";',
        'import { PyFuncModelBase, setModel } from "@pyfunc/custom-class";',
        "class Scaled extends PyFuncModelBase {",
        "  loadContext(context) { this.w = JSON.parse(readFileSync(context.artifacts.weights, 'utf8')).w; }",
        // the input example arrives as given; after signature enforcement a DataFrame (MLflow: a pandas DataFrame)
        "  predict(context, input) {",
        "    const rows = typeof input.toRecords === 'function' ? input.toRecords() : input;",
        "    return rows.map((r) => r.x * this.w + Number(context.modelConfig.offset));",
        "  }",
        "}",
        "setModel(new Scaled());",
      ].join("\\n"));
      const dir = join(src, "model");
      await saveModel(dir, {
        pythonModel: join(src, "model.mjs"),
        artifacts: { weights: join(src, "weights.json") },
        modelConfig: { offset: 1 },
        inputExample: [{ x: 1.5 }],
      });
      const model = await loadModel(dir);
      const got = await model.predict([{ x: 2.5 }, { x: 0.5 }]);
      if (JSON.stringify(got) !== "[8.5,2.5]") throw new Error("saved model predicted " + JSON.stringify(got));
      const overridden = await loadModel(dir, { modelConfig: { offset: 10 } });
      const got2 = await overridden.predict([{ x: 2.5 }]);
      if (JSON.stringify(got2) !== "[17.5]") throw new Error("with offset 10 predicted " + JSON.stringify(got2));
      // the committed streamable fixture (its code imports @pyfunc/custom-class too)
      const echo = await loadModel(${fixture("packages/custom-class/fixtures/echo-model")});
      const echoed = await echo.predict([{ text: "hello world" }], { prefix: "> " });
      if (JSON.stringify(echoed) !== '["> hello world"]') throw new Error("echo predicted " + JSON.stringify(echoed));
      const chunks = [];
      for await (const c of echo.predictStream([{ text: "a b c" }])) chunks.push(c);
      if (JSON.stringify(chunks) !== '["a"," b"," c"]') throw new Error("echo streamed " + JSON.stringify(chunks));
      console.log("OK", JSON.stringify(got), JSON.stringify(got2), JSON.stringify(echoed), JSON.stringify(chunks));
    `,
    typesProgram: `
      import { loadModel, type Model } from "@pyfunc/core";
      import {
        createTextOutputItem,
        PyFuncModelBase,
        type PythonModelContext,
        ResponsesAgent,
        type ResponsesAgentRequest,
        saveModel,
        setModel,
      } from "@pyfunc/custom-class";
      class Scaled extends PyFuncModelBase {
        override predict(context: PythonModelContext, rows: { x: number }[]): number[] {
          return rows.map((r) => r.x * Number(context.modelConfig.scale ?? 1));
        }
      }
      class Hello extends ResponsesAgent {
        override predict(request: ResponsesAgentRequest) {
          return { object: "response", output: [createTextOutputItem("hi " + request.input.length, "msg_1")] };
        }
      }
      setModel(new Scaled());
      const saved: Model = await saveModel("./model", {
        pythonModel: "./model.ts",
        artifacts: { weights: "./weights.json" },
        modelConfig: { scale: 2 },
      });
      const model = await loadModel("./model", { modelConfig: { scale: 3 } });
      const streamable: boolean = model.isStreamable;
      void saved; void streamable; void Hello;
    `,
  },
  {
    flavor: "function",
    packages: ["packages/core", "packages/function"],
    program: `
      import { mkdtempSync, writeFileSync } from "node:fs";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      import { loadModel } from "@pyfunc/core";
      import { saveModel } from "@pyfunc/function";
      const src = mkdtempSync(join(tmpdir(), "pyfunc-function-alone-"));
      writeFileSync(join(src, "predict.mjs"), [
        "export function predict(input) {",
        "  const rows = typeof input.toRecords === 'function' ? input.toRecords() : input;",
        "  return rows.map((r) => 2 * r.x + 1);",
        "}",
      ].join("\\n"));
      const dir = join(src, "model");
      await saveModel(dir, { modelCode: join(src, "predict.mjs"), inputExample: [{ x: 1.5 }] });
      const model = await loadModel(dir);
      if (model.loaderModule !== "@pyfunc/function") throw new Error("loaded by " + model.loaderModule);
      const got = await model.predict([{ x: 2.5 }, { x: -1 }]);
      if (JSON.stringify(got) !== "[6,-1]") throw new Error("predicted " + JSON.stringify(got));
      console.log("OK", JSON.stringify(got));
    `,
    typesProgram: `
      import { loadModel, type Model } from "@pyfunc/core";
      import { functionFlavor, saveModel } from "@pyfunc/function";
      const saved: Model = await saveModel("./model", { modelCode: "./predict.ts", inputExample: [{ x: 1 }] });
      const model = await loadModel("./model");
      const out = await model.predict([{ x: 2 }]);
      const name: string = functionFlavor.name;
      void saved; void out; void name;
    `,
  },
  {
    flavor: "lightgbm",
    packages: ["packages/core", "packages/forest", "packages/pickle", "packages/lightgbm"],
    program: `
      import { readFileSync } from "node:fs";
      import { loadModel } from "@pyfunc/core";
      import "@pyfunc/lightgbm";
      const dir = ${fixture("packages/lightgbm/fixtures/sklearn-classifier-multiclass")};
      const input = JSON.parse(readFileSync(dir + "/input.json", "utf8"));
      const expected = JSON.parse(readFileSync(dir + "/expected.json", "utf8")).pyfunc_predict.data;
      const model = await loadModel(dir + "/model");
      const records = input.data.map((row) => Object.fromEntries(input.columns.map((c, i) => [c, row[i]])));
      const out = await model.predict(records);
      if (JSON.stringify(out.data) !== JSON.stringify(expected)) throw new Error("got " + JSON.stringify(out.data));
      console.log("OK", out.data.length, "labels from a pickled LGBMClassifier");
    `,
    typesProgram: `
      import { loadModel, type Tensor } from "@pyfunc/core";
      import { Booster, LGBMEstimator, saveModel } from "@pyfunc/lightgbm";
      const model = await loadModel("./model");
      const raw = model.unwrap();
      if (raw instanceof LGBMEstimator) {
        const p: Tensor = raw.predictProba([{ a: 1 }]);
        void p;
      }
      const b: Booster = Booster.fromString("tree");
      const shape: number[] = b.predict([[1, 2]], { rawScore: true }).shape;
      void saveModel; void shape;
    `,
  },
  {
    flavor: "sklearn",
    // the flavor and its runtime libraries (the pickle reader and the tree runtime), next to core
    packages: ["packages/core", "packages/pickle", "packages/forest", "packages/sklearn"],
    program: `
      import { readFileSync } from "node:fs";
      import { loadModel } from "@pyfunc/core";
      import "@pyfunc/sklearn";
      const dir = ${fixture("packages/sklearn/fixtures/models/titanic-random-forest")};
      const input = JSON.parse(readFileSync(dir + "/input.json", "utf8"));
      const expected = JSON.parse(readFileSync(dir + "/expected.json", "utf8")).pyfunc_predict.data;
      // the columns with the pandas dtypes Python used (int64 as BigInt64Array, NaN for missing)
      const cols = Object.fromEntries(input.columns.map((c, i) => [c,
        input.dtypes[c] === "float64" ? Float64Array.from(input.data, (r) => r[i] ?? Number.NaN)
        : input.dtypes[c] === "int64" ? BigInt64Array.from(input.data, (r) => BigInt(r[i]))
        : input.data.map((r) => r[i] ?? Number.NaN)]));
      const model = await loadModel(dir + "/model");
      const out = await model.predict(cols);
      const got = Array.from(out.data, Number);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error("got " + JSON.stringify(got));
      console.log("OK", out.dtype, got.length, "labels from a pickled scikit-learn Pipeline");
    `,
    typesProgram: `
      import { loadModel, type Tensor } from "@pyfunc/core";
      import { type Estimator, estimatorFromPickle, sklearnFlavor } from "@pyfunc/sklearn";
      const model = await loadModel("./model");
      const out = (await model.predict([{ a: 1.5 }])) as Tensor;
      const est: Estimator = estimatorFromPickle(new Uint8Array(0));
      const name: string = sklearnFlavor.name;
      void out; void est; void name;
    `,
  },
];
