// Each flavor's example model through the built binary: info, validate, predict (JSON and a streamed format).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_DIR, runCli, tempDir } from "./helpers.js";

const PACKAGES = resolve(CLI_DIR, "..", "..", "packages");
const ONNX_MODEL = join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input", "model");
const ECHO_MODEL = join(PACKAGES, "custom-class", "fixtures", "echo-model");
const TFJS_FIXTURE = join(PACKAGES, "tfjs", "fixtures", "dense-classifier");

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

function predictions(stdout: string): unknown {
  return (JSON.parse(stdout) as { predictions: unknown }).predictions;
}

describe("@pyfunc/onnx example model (packages/onnx/fixtures/mlflow-columns-multi-input)", () => {
  it("info, validate, predict JSON and CSV agree with the fixture's expected outputs", async () => {
    expect(existsSync(ONNX_MODEL)).toBe(true);
    const info = await runCli(["info", ONNX_MODEL]);
    expect(info.stdout).toMatch(/'mlflow\.onnx' → @pyfunc\/onnx/);
    expect(info.stdout).toMatch(/flag +boolean +yes/);
    expect((await runCli(["validate", ONNX_MODEL, "-q"])).code).toBe(0);

    const input = JSON.parse(readFileSync(join(ONNX_MODEL, "..", "input.json"), "utf8"));
    const expected = JSON.parse(readFileSync(join(ONNX_MODEL, "..", "expected.json"), "utf8"));
    const records = expected.data.map((row: unknown[]) =>
      Object.fromEntries(expected.columns.map((c: string, i: number) => [c, row[i]])),
    );
    const viaJson = await runCli(["predict", "-m", ONNX_MODEL], {
      input: JSON.stringify({ dataframe_split: input }),
    });
    expect(viaJson.code, viaJson.stderr).toBe(0);
    expect(predictions(viaJson.stdout)).toEqual(records);
    const csv = `${input.columns.join(",")}\n${input.data.map((r: unknown[]) => r.map((v) => (v === true ? "True" : v === false ? "False" : v)).join(",")).join("\n")}\n`;
    const viaCsv = await runCli(["predict", "-m", ONNX_MODEL, "-t", "csv", "--chunk-size", "2"], {
      input: csv,
    });
    expect(viaCsv.code, viaCsv.stderr).toBe(0);
    expect(predictions(viaCsv.stdout)).toEqual(records);
  });

  it("exits 8 when a signature column is missing", async () => {
    const r = await runCli(["predict", "-m", ONNX_MODEL, "-t", "csv"], { input: "flag,x\nTrue,1\n" });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("name");
  });
});

describe("@pyfunc/custom-class example model (packages/custom-class/fixtures/echo-model)", () => {
  it("validate runs its serving example; predict applies params over JSON Lines", async () => {
    expect(existsSync(ECHO_MODEL)).toBe(true);
    const info = await runCli(["info", ECHO_MODEL]);
    expect(info.stdout).toMatch(/'@pyfunc\/custom-class' → @pyfunc\/custom-class/);
    const v = await runCli(["validate", ECHO_MODEL, "-q"]);
    expect(v.code, v.stderr).toBe(0);
    expect(predictions(v.stdout)).toEqual(["hello streaming world"]);
    const r = await runCli(
      ["predict", "-m", ECHO_MODEL, "-t", "jsonl", "--chunk-size", "1", "--params", '{"prefix": "> "}'],
      {
        input: '{"text": "a b"}\n{"text": "c"}\n',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(predictions(r.stdout)).toEqual(["> a b", "> c"]);
  });
});

describe("@pyfunc/tfjs example model (packages/tfjs/fixtures/dense-classifier in an MLflow directory)", () => {
  it("predicts named tensors as the fixture's expected probabilities", async () => {
    const model = join(dir, "tfjs-model");
    mkdirSync(join(model, "model"), { recursive: true });
    for (const f of ["model.json", "weights.bin"]) cpSync(join(TFJS_FIXTURE, f), join(model, "model", f));
    writeFileSync(
      join(model, "MLmodel"),
      [
        "flavors:",
        "  js_function:",
        "    loader_module: '@pyfunc/tfjs'",
        "    data: model",
        "  tfjs:",
        "    model_file: model/model.json",
        "mlflow_version: 3.6.0",
        "model_uuid: 7f0000000000000000000000000000aa",
        "utc_time_created: '2026-11-26 20:00:00.000000'",
        "signature:",
        `  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 8]}, "name": "hidden_input"}]'`,
        `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "probs"}]'`,
        "",
      ].join("\n"),
    );
    const inputs = JSON.parse(readFileSync(join(TFJS_FIXTURE, "inputs.json"), "utf8")).runs[0].hidden_input;
    const expected = JSON.parse(readFileSync(join(TFJS_FIXTURE, "expected.json"), "utf8")).runs[0].probs;
    const rows: number[][] = [];
    for (let i = 0; i < inputs.shape[0]; i++) rows.push(inputs.data.slice(i * 8, i * 8 + 8));
    const info = await runCli(["info", model]);
    expect(info.stdout).toMatch(/'@pyfunc\/tfjs' → @pyfunc\/tfjs/);
    const r = await runCli(["predict", "-m", model], {
      input: JSON.stringify({ inputs: { hidden_input: rows } }),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = predictions(r.stdout) as number[][] | Record<string, number[][]>;
    const got = (Array.isArray(out) ? out : out.probs!).flat();
    expect(got).toHaveLength(expected.data.length);
    const worst = Math.max(...got.map((v, i) => Math.abs(v - expected.data[i])));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe("@pyfunc/function example model (saved with @pyfunc/function's saveModel)", () => {
  it("info names the package; predict and validate run the saved function", async () => {
    const { saveModel } = await import("@pyfunc/function");
    const code = join(dir, "double.mjs");
    writeFileSync(
      code,
      [
        "export function predict(input) {",
        "  const rows = typeof input.toRecords === 'function' ? input.toRecords() : input;",
        "  return rows.map((r) => r.a * 2 + r.b);",
        "}",
        "",
      ].join("\n"),
    );
    const model = join(dir, "function-model");
    await saveModel(model, {
      modelCode: code,
      signature: {
        inputs:
          '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]',
        outputs: '[{"type": "double", "required": true}]',
      },
      inputExample: [{ a: 1, b: 2 }],
    });
    const info = await runCli(["info", model]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/→ @pyfunc\/function/);
    const r = await runCli(["predict", "-m", model, "-t", "csv"], { input: "a,b\n1,2\n3,-1\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(predictions(r.stdout)).toEqual([4, 5]);
    const v = await runCli(["validate", model, "-q"]);
    expect(v.code, v.stderr).toBe(0);
    expect(predictions(v.stdout)).toEqual([4]);
  });
});

describe("flavor packages are found through core's discovery (the CLI names none)", () => {
  const manifest = JSON.parse(readFileSync(join(CLI_DIR, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    devDependencies: Record<string, string>;
  };
  const flavorManifest = (name: string) =>
    JSON.parse(readFileSync(join(CLI_DIR, "node_modules", ...name.split("/"), "package.json"), "utf8")) as {
      pyfunc?: { flavor?: { loaderModules?: string[] } };
    };
  const isFlavor = (name: string) => name.startsWith("@pyfunc/") && flavorManifest(name).pyfunc?.flavor;
  const devFlavors = Object.keys(manifest.devDependencies).filter(isFlavor).sort();

  it("depends on no flavor: each one is an optional peer (and a devDependency for the workspace's tests)", () => {
    expect(devFlavors.length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(manifest.dependencies).filter((n) => devFlavors.includes(n))).toEqual([]);
    for (const name of devFlavors) {
      expect(manifest.peerDependencies[name], name).toBeDefined();
      expect(manifest.peerDependenciesMeta[name]?.optional, name).toBe(true);
    }
  });

  it("info lists every installed flavor and loads XGBoost models from a folder outside the workspace", async () => {
    const elsewhere = tempDir("pyfunc-cli-cwd-");
    const model = join(CLI_DIR, "fixtures", "xgb-regressor");
    const r = await runCli(["info", model, "--json"], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as {
      loader: { package: string; loadable: boolean };
      installedFlavorPackages: { name: string; status: string }[];
    };
    expect(info.loader).toMatchObject({ package: "@pyfunc/xgboost", loadable: true });
    expect(info.installedFlavorPackages.map((p) => p.name).sort()).toEqual(devFlavors);
    expect(info.installedFlavorPackages.every((p) => p.status === "installed")).toBe(true);
  });

  it("each flavor's package.json marker claims exactly its plugin's loader modules", async () => {
    for (const name of devFlavors) {
      const mod = (await import(name)) as Record<string, unknown>;
      const plugin = [mod.default, ...Object.values(mod)].find(
        (v): v is { packageName: string; loaderModules: string[] } =>
          typeof v === "object" && v !== null && "loaderModules" in v && "packageName" in v,
      );
      expect(plugin, name).toBeDefined();
      const claimed = flavorManifest(name).pyfunc?.flavor?.loaderModules ?? [];
      expect(new Set([...claimed, name]), name).toEqual(
        new Set([...plugin!.loaderModules, plugin!.packageName]),
      );
    }
  });
});
