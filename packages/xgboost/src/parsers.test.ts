import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Booster } from "./booster.js";
import { rewriteNonFinite } from "./io/json.js";
import { sniffFormat } from "./io/sniff.js";
import { parseUbjson } from "./io/ubjson.js";

const here = dirname(fileURLToPath(import.meta.url));
const models = resolve(here, "../fixtures/models");
const load = (p: string) => new Uint8Array(readFileSync(join(models, p)));
const samples = {
  json: load("categorical-json/model.json"),
  ubj: load("categorical-ubj/model.ubj"),
  binary: load("dart-binary-logistic-binary/model.xgb"),
  gblinear: load("gblinear-multi-softprob-binary/model.xgb"),
};

/** Parse, and when that works also predict: either succeeds or throws MlflowException. */
function parseOrMlflowError(bytes: Uint8Array): "ok" | "error" {
  try {
    const b = Booster.fromBytes(bytes);
    const n = Math.min(b.numFeature, 64);
    const X = {
      data: new Float32Array(3 * n).map((_, i) => (i % 5 === 0 ? Number.NaN : i - 4)),
      shape: [3, n],
    };
    if (n === b.numFeature) {
      b.predict(X);
      b.predict(X, { outputMargin: true });
    }
    return "ok";
  } catch (e) {
    if (!(e instanceof MlflowException)) throw e;
    return "error";
  }
}

function mutate(
  base: Uint8Array,
  edits: { pos: number; val: number; kind: number }[],
  cut: number,
): Uint8Array {
  let out = base.slice();
  for (const e of edits) {
    const p = e.pos % Math.max(1, out.length);
    if (e.kind === 0) out[p] = e.val;
    else if (e.kind === 1) out = Uint8Array.from([...out.subarray(0, p), e.val, ...out.subarray(p)]);
    else out = Uint8Array.from([...out.subarray(0, p), ...out.subarray(p + 1)]);
  }
  return cut > 0 ? out.subarray(0, Math.max(0, out.length - cut)) : out;
}

const editArb = fc.array(
  fc.record({ pos: fc.nat(), val: fc.integer({ min: 0, max: 255 }), kind: fc.integer({ min: 0, max: 2 }) }),
  { minLength: 1, maxLength: 6 },
);

describe("model parsers on untrusted bytes", () => {
  it("random bytes either parse or throw MlflowException", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        parseOrMlflowError(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes behind each format's magic either parse or throw MlflowException", () => {
    const prefixes = [
      new TextEncoder().encode("binf"),
      new TextEncoder().encode('{"'),
      Uint8Array.of(0x7b, 0x4c),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 600 }), (prefix, rest) => {
        parseOrMlflowError(Uint8Array.from([...prefix, ...rest]));
      }),
      { numRuns: 600 },
    );
  });

  for (const [name, bytes] of Object.entries(samples)) {
    it(`mutated ${name} models either parse or throw MlflowException`, () => {
      fc.assert(
        fc.property(editArb, fc.integer({ min: 0, max: 64 }), (edits, cut) => {
          parseOrMlflowError(mutate(bytes, edits, cut));
        }),
        { numRuns: name === "json" ? 150 : 400 },
      );
    });
    it(`every truncation of the ${name} model is refused with MlflowException`, () => {
      const step = Math.max(1, Math.floor(bytes.length / 300));
      for (let n = 0; n < bytes.length - 1; n += step) {
        expect(parseOrMlflowError(bytes.subarray(0, n)), `cut at ${n}`).toBe("error");
      }
    });
  }

  it("refuses absurd counts before allocating", () => {
    // UBJSON typed float32 array claiming 2^60 elements
    const huge = Uint8Array.from([0x5b, 0x24, 0x64, 0x23, 0x4c, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    expect(() => parseUbjson(huge)).toThrowError(MlflowException);
    // a string with a 2^40 length
    expect(() => parseUbjson(Uint8Array.from([0x53, 0x4c, 0, 0, 1, 0, 0, 0, 0, 0, 0x41]))).toThrowError(
      /exceeds|truncated/,
    );
    // legacy binary claiming 2^31-1 trees
    const b = samples.binary.slice();
    const dv = new DataView(b.buffer);
    // binf(4) + 136-byte params + two uint64-prefixed names -> gbtree param block
    let p = 4 + 136;
    for (let k = 0; k < 2; k++) p += 8 + Number(dv.getBigUint64(p, true));
    dv.setInt32(p, 0x7fffffff, true);
    expect(() => Booster.fromBytes(b)).toThrowError(/bad num_trees/);
    // deep nesting is bounded
    expect(() => parseUbjson(new Uint8Array(5000).fill(0x5b))).toThrowError(/deeply|truncated/);
  });

  it("sniffs the format from the bytes, not the file name", () => {
    expect(sniffFormat(samples.binary)).toBe("binary");
    expect(sniffFormat(samples.json)).toBe("json");
    expect(sniffFormat(samples.ubj)).toBe("ubj");
    expect(sniffFormat(load("ubj-named-xgb-binary-logistic/model.xgb"))).toBe("ubj");
    expect(() => sniffFormat(new TextEncoder().encode("bs64abcd"))).toThrowError(/base64/);
  });

  it("reads XGBoost's bare NaN / Infinity tokens outside strings only", () => {
    expect(JSON.parse(rewriteNonFinite('{"a":[NaN,-Infinity,Infinity],"s":"NaN Infinity"}'))).toEqual({
      a: [null, -Infinity, Infinity],
      s: "NaN Infinity",
    });
  });

  it("a tree whose child points back at an ancestor is refused (no infinite traversal)", () => {
    const doc = JSON.parse(
      rewriteNonFinite(new TextDecoder().decode(load("reg-squarederror-json/model.json"))),
    );
    const tree = doc.learner.gradient_booster.model.trees[0];
    tree.left_children[1] = 0;
    expect(() => Booster.fromBytes(new TextEncoder().encode(JSON.stringify(doc)))).toThrowError(
      /invalid children/,
    );
  });
});
