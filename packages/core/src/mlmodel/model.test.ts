import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { formatUtcTimeCreated, MAX_MLMODEL_BYTES, Model } from "./model.js";

const fixturesRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/mlmodel");
const fixtureFiles = readdirSync(fixturesRoot).flatMap((version) =>
  readdirSync(path.join(fixturesRoot, version)).map((name) =>
    path.join(fixturesRoot, version, name, "MLmodel"),
  ),
);
const tmpRoot = mkdtempSync(path.join(tmpdir(), "pyfunc-mlmodel-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function expectMlflowError(fn: () => unknown, code?: string): MlflowException {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    if (code) expect((error as MlflowException).errorCode).toBe(code);
    return error as MlflowException;
  }
  throw new Error("expected an MlflowException");
}

describe("MLmodel files written by Python MLflow", () => {
  it("has the copied fixtures of both MLflow versions", () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(38);
  });

  for (const file of fixtureFiles) {
    const label = path.relative(fixturesRoot, path.dirname(file));
    it(`${label}: reads every field and writes back an equal document`, async () => {
      const text = readFileSync(file, "utf8");
      const raw = yaml.load(text, { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
      const model = await Model.load(path.dirname(file));
      // Nothing lost, nothing added: the dict form is exactly the YAML document.
      expect(model.toDict()).toEqual(raw);
      const again = Model.fromYaml(model.toYaml());
      expect(again.toDict()).toEqual(raw);
      expect(again.toYaml()).toBe(model.toYaml());
      // byte for byte what yaml.safe_dump wrote
      expect(model.toYaml()).toBe(text);
      expect(model.modelUuid).toMatch(/^[0-9a-f]{32}$/);
      expect(model.utcTimeCreated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
      expect(model.mlflowVersion).toBe(raw.mlflow_version);
      expect(Object.keys(model.flavors)).toContain("python_function");
      expect(model.extra).toEqual({});
    });
  }

  it("types the MLflow 3 fields (model_id, prompts, type-hint flags) and keeps their nulls", async () => {
    const model = await Model.load(path.join(fixturesRoot, "mlflow-3.5.2.dev0/onnx-mlp-tensor"));
    expect(model.modelId).toBeNull();
    expect(model.prompts).toBeNull();
    expect(model.isSignatureFromTypeHint).toBe(false);
    expect(model.typeHintFromExample).toBe(false);
    expect(model.toYaml()).toContain("model_id: null\n");
    const old = await Model.load(path.join(fixturesRoot, "mlflow-2.17.2/onnx-mlp-tensor"));
    expect(old.modelId).toBeUndefined();
    expect(old.toYaml()).not.toContain("model_id");
  });

  it("parses the signature block with ModelSignature", async () => {
    const model = await Model.load(path.join(fixturesRoot, "mlflow-2.17.2/pyfunc-python-model"));
    const sig = model.getSignature();
    expect(sig?.inputs?.inputNames()).toEqual(["x", "y", "n", "name"]);
    expect(model.getParamsSchema()?.params.map((p) => p.name)).toEqual(["multiplier", "upper"]);
    expect(model.savedInputExampleInfo?.params).toBe("true");
    expect(model.metadata).toEqual({ fixture: "pyfunc-python-model", purpose: "TypeScript parity tests" });
    const nosig = await Model.load(path.join(fixturesRoot, "mlflow-2.17.2/pyfunc-function-nosig"));
    expect(nosig.getSignature()).toBeUndefined();
  });

  it("accepts the MLmodel file path as well as the directory", async () => {
    const file = path.join(fixturesRoot, "mlflow-2.17.2/xgboost-binary-booster/MLmodel");
    expect((await Model.load(file)).toDict()).toEqual((await Model.load(path.dirname(file))).toDict());
  });
});

describe("writing MLmodel like yaml.safe_dump", () => {
  it("reproduces every real MLmodel byte for byte, whole floats (`scale: 2.0`) included", () => {
    const differing = fixtureFiles
      .filter((f) => Model.fromYaml(readFileSync(f, "utf8")).toYaml() !== readFileSync(f, "utf8"))
      .map((f) => path.relative(fixturesRoot, path.dirname(f)));
    expect(differing).toEqual([]);
  });

  it("keeps Python's float/int distinction for whole numbers it read, and writes new whole numbers as ints", () => {
    const model = Model.fromYaml(
      "flavors:\n  f:\n    a: 2.0\n    b: 2\n    c: -0.0\n    d: [1.0, 1]\n    e: 1.0e+20\n",
    );
    expect(model.flavors.f).toEqual({ a: 2, b: 2, c: -0, d: [1, 1], e: 1e20 });
    expect(typeof model.flavors.f?.a).toBe("number");
    const out = model.toYaml();
    expect(out).toContain("    a: 2.0\n    b: 2\n    c: -0.0\n    d:\n    - 1.0\n    - 1\n    e: 1.0e+20\n");
    (model.flavors.f as Record<string, unknown>).a = 3;
    (model.flavors.f as Record<string, unknown>).z = 4;
    expect(model.toYaml()).toContain("    a: 3.0\n");
    expect(model.toYaml()).toContain("    z: 4\n");
    expect(model.clone().toYaml()).toBe(model.toYaml());
  });

  it("folds long scalars at 80 columns as PyYAML does, without changing their value", () => {
    const words = fc.array(fc.stringMatching(/^[a-z'":#,[\]{}-]{1,12}$/), { minLength: 1, maxLength: 40 });
    const spacing = fc.constantFrom(" ", " ", " ", "  ");
    const sentence = fc
      .tuple(words, fc.array(spacing, { minLength: 40, maxLength: 40 }))
      .map(([ws, sp]) => ws.map((w, i) => (i === 0 ? w : `${sp[i]}${w}`)).join(""));
    fc.assert(
      fc.property(sentence, sentence, (a, b) => {
        const model = Model.fromDict({ flavors: { f: { note: a } }, metadata: { text: b } });
        const out = model.toYaml();
        expect(Model.fromYaml(out).toDict()).toEqual(model.toDict());
        expect(yaml.load(out, { schema: yaml.DEFAULT_SCHEMA })).toEqual(model.toDict());
      }),
      { numRuns: 500 },
    );
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const lines = Model.fromDict({ flavors: {}, metadata: { long } }).toYaml().split("\n");
    expect(lines.filter((l) => l.startsWith("    word")).length).toBeGreaterThan(1);
  });

  it("sorts keys at every level, does not indent list items and quotes the timestamp", () => {
    const model = Model.fromDict({
      mlflow_version: "2.17.2",
      flavors: { onnx: { providers: ["CPUExecutionProvider"], data: "model.onnx" } },
      utc_time_created: "2026-01-02 03:04:05.123456",
      model_uuid: "0123456789abcdef0123456789abcdef",
    });
    expect(model.toYaml()).toBe(
      [
        "flavors:",
        "  onnx:",
        "    data: model.onnx",
        "    providers:",
        "    - CPUExecutionProvider",
        "mlflow_version: 2.17.2",
        "model_uuid: 0123456789abcdef0123456789abcdef",
        "utc_time_created: '2026-01-02 03:04:05.123456'",
        "",
      ].join("\n"),
    );
  });

  it("quotes strings a YAML 1.1 reader (PyYAML) would turn into booleans or numbers", () => {
    const model = Model.fromDict({
      flavors: {},
      metadata: { a: "yes", b: "1.0", c: "null", d: "on", e: "2026-01-01" },
    });
    const back = yaml.load(model.toYaml(), { schema: yaml.DEFAULT_SCHEMA }) as {
      metadata: Record<string, unknown>;
    };
    expect(back.metadata).toEqual({ a: "yes", b: "1.0", c: "null", d: "on", e: "2026-01-01" });
    expect(model.toYaml()).toContain("a: 'yes'");
  });

  it("keeps unknown top-level and flavor keys, and legacy shapes (env as a string, no params key)", () => {
    const text = [
      "flavors:",
      "  python_function:",
      "    env: conda.yaml",
      "    loader_module: mlflow.sklearn",
      "    some_future_key: [1, 2]",
      "future_field:",
      "  nested: true",
      "signature:",
      '  inputs: \'[{"type": "double"}]\'',
      "  outputs: null",
      "saved_input_example_info: {artifact_path: input_example.json, type: ndarray, format: tf-serving}",
    ].join("\n");
    const model = Model.fromYaml(text);
    expect(model.extra).toEqual({ future_field: { nested: true } });
    expect(model.flavors.python_function?.env).toBe("conda.yaml");
    expect(model.signature).toEqual({ inputs: '[{"type": "double"}]', outputs: null });
    expect(model.savedInputExampleInfo?.format).toBe("tf-serving");
    const again = Model.fromYaml(model.toYaml());
    expect(again.toDict()).toEqual(model.toDict());
    expect(again.flavors.python_function?.some_future_key).toEqual([1, 2]);
  });

  it("keeps a '__proto__' key as data without touching any prototype", () => {
    const model = Model.fromYaml(
      "flavors: {}\n__proto__:\n  polluted: true\nmetadata:\n  __proto__: {x: 1}\n",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(model.extra)).toBe(Object.prototype);
    expect(Object.hasOwn(model.extra, "__proto__")).toBe(true);
    const again = Model.fromYaml(model.toYaml());
    expect(Object.hasOwn(again.extra, "__proto__")).toBe(true);
    expect(Object.hasOwn(again.metadata ?? {}, "__proto__")).toBe(true);
  });

  it("saves to a directory (as <dir>/MLmodel) and loads it back", async () => {
    const dir = mkdtempSync(path.join(tmpRoot, "save-"));
    const model = Model.fromDict({
      flavors: { python_function: { loader_module: "mlflow.onnx" } },
      run_id: "abc",
    });
    await model.save(dir);
    const loaded = await Model.load(dir);
    expect(loaded.runId).toBe("abc");
    expect(loaded.toDict()).toEqual(model.toDict());
  });
});

describe("utc_time_created", () => {
  it("is Python's str(datetime): microseconds with 6 digits, omitted when zero", () => {
    expect(formatUtcTimeCreated(new Date(Date.UTC(2025, 10, 7, 10, 21, 33, 412)), 907)).toBe(
      "2025-11-07 10:21:33.412907",
    );
    expect(formatUtcTimeCreated(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 0)), 0)).toBe("2025-01-02 03:04:05");
    expect(formatUtcTimeCreated(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 0)), 7)).toBe(
      "2025-01-02 03:04:05.000007",
    );
  });
});

describe("malformed MLmodel files", () => {
  it("refuses empty documents, non-mappings and bad flavors with INVALID_PARAMETER_VALUE", () => {
    expectMlflowError(() => Model.fromYaml(""), "INVALID_PARAMETER_VALUE");
    expectMlflowError(() => Model.fromYaml("- a\n- b\n"), "INVALID_PARAMETER_VALUE");
    expectMlflowError(() => Model.fromYaml("flavors: [onnx]\n"), "INVALID_PARAMETER_VALUE");
    expectMlflowError(() => Model.fromYaml("flavors:\n  onnx: 3\n"), "INVALID_PARAMETER_VALUE");
    expectMlflowError(() => Model.fromYaml("flavors: {}\nsignature: [1]\n"), "INVALID_PARAMETER_VALUE");
    expectMlflowError(
      () => Model.fromYaml("flavors: {}\nsignature: {inputs: 5}\n"),
      "INVALID_PARAMETER_VALUE",
    );
    expectMlflowError(() => Model.fromYaml("flavors: {}\nmodel_size_bytes: -4\n"), "INVALID_PARAMETER_VALUE");
    expectMlflowError(() => Model.fromYaml("flavors: {}\nenv_vars: {a: 1}\n"), "INVALID_PARAMETER_VALUE");
  });

  it("refuses invalid YAML, custom tags and duplicate keys", () => {
    const e = expectMlflowError(() => Model.fromYaml("flavors: {a: [}\n"), "INVALID_PARAMETER_VALUE");
    expect(e.message).toContain("not valid YAML");
    expectMlflowError(
      () => Model.fromYaml("flavors: !!python/object:os.system {}\n"),
      "INVALID_PARAMETER_VALUE",
    );
    expectMlflowError(() => Model.fromYaml("flavors: {}\nflavors: {}\n"), "INVALID_PARAMETER_VALUE");
  });

  it("does not turn timestamps into Date objects (safe core schema)", () => {
    const model = Model.fromYaml("flavors: {}\nutc_time_created: 2026-01-01 10:00:00\n");
    expect(model.utcTimeCreated).toBe("2026-01-01 10:00:00");
  });

  it("refuses MLmodel text and files larger than 16 MiB", async () => {
    const big = `flavors: {}\nx: '${"a".repeat(MAX_MLMODEL_BYTES)}'\n`;
    expectMlflowError(() => Model.fromYaml(big), "INVALID_PARAMETER_VALUE");
    const dir = mkdtempSync(path.join(tmpRoot, "big-"));
    writeFileSync(path.join(dir, "MLmodel"), big);
    await expect(Model.load(dir)).rejects.toMatchObject({ errorCode: "INVALID_PARAMETER_VALUE" });
  });

  it("refuses YAML alias bombs and absurd nesting instead of expanding them", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) {
      lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    }
    const bomb = `flavors: {}\n${lines.join("\n")}\n`;
    const e = expectMlflowError(() => Model.fromYaml(bomb), "INVALID_PARAMETER_VALUE");
    expect(e.message).toContain("aliases");
    expectMlflowError(() => Model.fromYaml(`flavors: {}\ndeep: ${"[".repeat(600)}${"]".repeat(600)}\n`));
    expectMlflowError(() => Model.fromYaml(`flavors: {}\ndeep: ${"[".repeat(200_000)}\n`));
  });

  it("reports a missing MLmodel as RESOURCE_DOES_NOT_EXIST", async () => {
    const dir = mkdtempSync(path.join(tmpRoot, "empty-"));
    await expect(Model.load(dir)).rejects.toMatchObject({
      name: "MlflowException",
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  it("property: random and mutated YAML either parses or throws MlflowException", () => {
    const seeds = fixtureFiles.slice(0, 8).map((f) => readFileSync(f, "utf8"));
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })), { maxLength: 6 }),
      )
      .map(([text, edits]) => {
        let t = text;
        for (const [pos, del, ins] of edits) {
          const at = pos % (t.length + 1);
          t = t.slice(0, at) + ins + t.slice(at + del);
        }
        return t;
      });
    const yamlish = fc.stringMatching(/^[a-z_:{}[\]\-'" \n!&*|>#%@,.0-9]{0,80}$/);
    fc.assert(
      fc.property(fc.oneof(mutated, yamlish, fc.string({ maxLength: 200 })), (text) => {
        try {
          const model = Model.fromYaml(text);
          // Whatever parsed must also write and read back to the same document.
          expect(Model.fromYaml(model.toYaml()).toDict()).toEqual(model.toDict());
        } catch (error) {
          if (!(error instanceof MlflowException)) throw error;
        }
      }),
      { numRuns: 600 },
    );
  });
});
