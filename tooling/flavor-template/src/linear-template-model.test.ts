import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  MAX_MODEL_BYTES,
  parseLinearTemplateModel,
  predictLinearTemplate,
  readLinearTemplateModel,
} from "./linear-template-model.js";

const work = mkdtempSync(path.join(tmpdir(), "linear-template-model-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** Parsing either returns a model or throws an MlflowException: never another error. */
function parsesOrThrowsTyped(bytes: Uint8Array): void {
  try {
    const model = parseLinearTemplateModel(bytes);
    expect(model.intercept.length).toBeGreaterThan(0);
    for (const row of model.coef) expect(row).toHaveLength(model.intercept.length);
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
  }
}

// JSON has no -0: it reads back as 0, so the generated models hold none
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((v) => v + 0);
const modelArb = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }))
  .chain(([features, outputs]) =>
    fc.record({
      coef: fc.array(fc.array(finite, { minLength: outputs, maxLength: outputs }), {
        minLength: features,
        maxLength: features,
      }),
      intercept: fc.array(finite, { minLength: outputs, maxLength: outputs }),
    }),
  );

describe("reading a model file (untrusted bytes)", () => {
  it("random bytes parse or throw MlflowException", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => parsesOrThrowsTyped(bytes)));
  });

  it("random JSON values parse or throw MlflowException", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => parsesOrThrowsTyped(encode(value))));
  });

  it("valid models with one byte changed parse or throw MlflowException", () => {
    fc.assert(
      fc.property(modelArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (model, at, byte) => {
        const bytes = encode(model);
        bytes[at % bytes.length] = byte;
        parsesOrThrowsTyped(bytes);
      }),
    );
  });

  it("valid models round-trip through JSON", () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        expect(parseLinearTemplateModel(encode(model))).toEqual(model);
      }),
    );
  });

  it("refuses rows of the wrong width, non-finite numbers and an empty intercept", () => {
    for (const bad of [
      { coef: [[1, 2]], intercept: [0] },
      { coef: [[1]], intercept: [] },
      { coef: [["1"]], intercept: [0] },
      { coef: [[1]], intercept: [null] },
      { coef: {}, intercept: [0] },
      [],
    ]) {
      expect(() => parseLinearTemplateModel(encode(bad)), JSON.stringify(bad)).toThrow(MlflowException);
    }
    expect(() =>
      parseLinearTemplateModel(new TextEncoder().encode('{"coef": [[1e999]], "intercept": [0]}')),
    ).toThrow(/finite/);
  });

  it("refuses a file larger than MAX_MODEL_BYTES without reading it", async () => {
    const file = path.join(work, "huge.json");
    // a sparse file: its size is past the bound, no disk is used
    writeFileSync(file, "");
    truncateSync(file, MAX_MODEL_BYTES + 1);
    await expect(readLinearTemplateModel(file)).rejects.toThrow(/more than/);
  });

  it("a missing file is RESOURCE_DOES_NOT_EXIST", async () => {
    await expect(readLinearTemplateModel(path.join(work, "absent.json"))).rejects.toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });
});

describe("predicting", () => {
  it("computes x · coef + intercept for every row and output", () => {
    fc.assert(
      fc.property(
        modelArb,
        fc.integer({ min: 0, max: 5 }),
        fc.array(finite, { minLength: 30, maxLength: 30 }),
        (model, rows, pool) => {
          const features = model.coef.length;
          const x = Float64Array.from({ length: rows * features }, (_, i) => pool[i % pool.length]!);
          const out = predictLinearTemplate(model, x, rows);
          expect(out.shape).toEqual([rows, model.intercept.length]);
          // the reference: one output column at a time, summing the products in the same order
          for (let r = 0; r < rows; r++) {
            model.intercept.forEach((b, o) => {
              const row = Array.from(x.subarray(r * features, (r + 1) * features));
              const y = row.reduce((acc, v, f) => acc + v * model.coef[f]![o]!, b);
              expect((out.data as Float64Array)[r * model.intercept.length + o]).toBe(y);
            });
          }
        },
      ),
    );
  });

  it("refuses a matrix whose width is not the model's number of features", () => {
    const model = { coef: [[1], [2]], intercept: [0] };
    expect(() => predictLinearTemplate(model, Float64Array.of(1, 2, 3), 1)).toThrow(
      /Expected 2 feature\(s\) per row, got 3/,
    );
  });
});
