import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LINEAR_PLUGIN, linear, runCli, tempDir, writeLinearModel } from "./helpers.js";

let dir: string;
let model: string;
const P = ["--plugin", LINEAR_PLUGIN];

beforeAll(() => {
  dir = tempDir();
  model = writeLinearModel(join(dir, "linear"));
});

describe("pyfunc info (built binary)", () => {
  it("shows flavors, the loading package, the signature as a table, params, the input example and the size", async () => {
    const r = await runCli(["info", model, ...P]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("js_function: loader_module=cli_test_linear, data=weights.json");
    expect(r.stdout).toMatch(/Loader: +js_function\.loader_module 'cli_test_linear' → cli-test-linear/);
    expect(r.stdout).toMatch(
      /Signature inputs:\n +name +type +required\n +-+ +-+ +-+\n +x1 +double +yes\n +x2 +double +yes/,
    );
    expect(r.stdout).toMatch(/\(unnamed\) +float64 +\(-1\)/);
    expect(r.stdout).toMatch(/scale +double +1 +-/);
    expect(r.stdout).toContain("serving payload serving_input_example.json");
    expect(r.stdout).toContain('{"dataframe_split": {"columns": ["x1", "x2"]');
    expect(r.stdout).toMatch(/Size: +\d+ B on disk/);
    expect(r.stdout).toContain("MLflow:       3.6.0");
  });

  it("--json prints the same facts as JSON", async () => {
    const r = await runCli(["info", model, "--json", ...P]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.loader).toMatchObject({
      flavorKey: "js_function",
      loaderModule: "cli_test_linear",
      loadable: true,
    });
    expect(info.signature.inputs).toEqual([
      { name: "x1", type: "double", required: true },
      { name: "x2", type: "double", required: true },
    ]);
    expect(info.signature.params.map((p: { name: string }) => p.name)).toEqual(["scale", "fail"]);
    expect(info.size.onDisk).toBeGreaterThan(0);
    expect(info.installedFlavorPackages.map((p: { name: string }) => p.name)).toContain("@pyfunc/xgboost");
  });

  it("says what is missing when no installed package loads the model", async () => {
    const noPlugin = await runCli(["info", model]);
    expect(noPlugin.code).toBe(0);
    expect(noPlugin.stdout).toContain("NOT LOADABLE here");
    expect(noPlugin.stdout).toContain("No flavor plugin is registered for loader_module 'cli_test_linear'");
    const py = writeLinearModel(join(dir, "torch"), {
      loaderModule: "mlflow.pytorch",
      flavorKey: "python_function",
    });
    const r = await runCli(["info", py]);
    expect(r.stdout).toContain("NOT LOADABLE here");
    expect(r.stdout).toContain("torch.onnx.export");
  });

  it("exits 3 for a missing model directory", async () => {
    const r = await runCli(["info", join(dir, "nothing-here")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("does not exist");
  });
});

describe("pyfunc validate (built binary)", () => {
  it("runs the saved serving_input_example.json through parse + predict and prints the predictions", async () => {
    const r = await runCli(["validate", model, ...P]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ predictions: [linear(1, 2), linear(3, 0.5)] });
    expect(r.stderr).toContain("OK: serving_input_example.json");
  });

  it("validates a given --input payload (JSON or CSV)", async () => {
    const json = join(dir, "payload.json");
    writeFileSync(json, JSON.stringify({ inputs: { x1: [2], x2: [1] }, params: { scale: 2 } }));
    const a = await runCli(["validate", model, "--input", json, "-q", ...P]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe("");
    expect(JSON.parse(a.stdout)).toEqual({ predictions: [linear(2, 1, 2)] });
    const csv = join(dir, "payload.csv");
    writeFileSync(csv, "x1,x2\n4,4\n");
    const b = await runCli(["validate", model, "-i", csv, ...P]);
    expect(JSON.parse(b.stdout)).toEqual({ predictions: [linear(4, 4)] });
  });

  it("reports the precise failure: wrong columns exit 8, bad JSON exit 7, missing file exit 6", async () => {
    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ dataframe_split: { columns: ["x1", "y"], data: [[1, 2]] } }));
    const a = await runCli(["validate", model, "--input", wrong, ...P]);
    expect(a.code).toBe(8);
    expect(a.stderr).toContain("Validation failed");
    expect(a.stderr).toContain("x2");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    const b = await runCli(["validate", model, "--input", bad, ...P]);
    expect(b.code).toBe(7);
    expect(b.stderr).toContain("Invalid input");
    const c = await runCli(["validate", model, "--input", join(dir, "absent.json"), ...P]);
    expect(c.code).toBe(6);
  });

  it("exits 12 when the model has no saved input example and no --input is given", async () => {
    const bare = writeLinearModel(join(dir, "no-example"), { example: false });
    const r = await runCli(["validate", bare, ...P]);
    expect(r.code).toBe(12);
    expect(r.stderr).toContain("--input");
  });

  it("exits 5 when no installed package loads the model", async () => {
    const r = await runCli(["validate", model]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("cli_test_linear");
  });
});
