import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimatorFromPickle as estimatorFromBytes } from "./load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/models");
const pkl = new Uint8Array(readFileSync(join(root, "titanic-random-forest/model/model.pkl")));

describe("estimatorFromBytes on untrusted bytes", () => {
  it("rebuilds the pipeline from the real pickle", () => {
    expect(estimatorFromBytes(pkl).shortName).toBe("Pipeline");
  });

  it("mutated and truncated pickles build or throw an MlflowException, never crash", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pkl.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (pos, byte, cut) => {
          const b = cut ? pkl.slice(0, pos) : Uint8Array.from(pkl);
          if (!cut) b[pos] = byte;
          try {
            estimatorFromBytes(b);
          } catch (e) {
            expect(e).toBeInstanceOf(MlflowException);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random bytes are refused with a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        expect(() => estimatorFromBytes(b)).toThrow(MlflowException);
      }),
      { numRuns: 200 },
    );
  });
});

describe("pickles from other scikit-learn versions", () => {
  it("refuses a state whose layout differs, naming the class, the attribute and the version", () => {
    const svc = new Uint8Array(readFileSync(join(root, "svc-proba-3class/model/model.pkl")));
    const text = Buffer.from(svc).toString("latin1");
    // same-length edits keep the pickle framing: a 1.4 file without the 1.2 attribute name
    const edited = text.replaceAll("1.2.1", "1.4.0").replace("_probA", "_probX").replace("probA_", "probX_");
    const err = (() => {
      try {
        estimatorFromBytes(new Uint8Array(Buffer.from(edited, "latin1")));
      } catch (e) {
        return e as MlflowException;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MlflowException);
    expect(err!.message).toMatch(/'sklearn\.svm\._classes\.SVC' \(written by scikit-learn 1\.4\.0\)/);
    expect(err!.message).toMatch(/probA_' is missing/);
  });
});
