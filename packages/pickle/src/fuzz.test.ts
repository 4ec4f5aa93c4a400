import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Allowlist, inertRecord } from "./allowlist.js";
import { PickleError } from "./errors.js";
import { readSkops } from "./skops/reader.js";
import { standardAllowlist } from "./standard.js";
import { FIXTURES, fixture, storedZip } from "./test-helpers.js";
import { readPickle } from "./unpickler.js";

// Everything these fixtures name, as inert records: mutations then reach deep into the reader.
const allowlist = (): Allowlist =>
  standardAllowlist()
    .registerAll(
      [
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._tree.Tree",
        "sklearn.utils._bunch.Bunch",
        "sklearn.linear_model._logistic.LogisticRegression",
        "mylib.Thing",
      ],
      inertRecord,
    )
    .reference("numpy.log1p");

const SEEDS = readdirSync(join(FIXTURES, "pickles"))
  .filter((n) => /^(values|numpy|sklearn-tree|bunch|sparse|shared)-p\d\.pkl$/.test(n))
  .map((n) => new Uint8Array(fixture("pickles", n)));

/** Reads or throws a PickleError; anything else (TypeError, RangeError, a hang) fails the property. */
function readsOrRefuses(bytes: Uint8Array): void {
  try {
    readPickle(bytes, { allowlist: allowlist(), limits: { allocationFactor: 16 } });
  } catch (err) {
    if (!(err instanceof PickleError)) throw err;
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("length" as const),
    at: fc.nat(),
    value: fc.constantFrom(0xff, 0x7f, 0x80, 0),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = seed.slice();
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case "flip":
      case "length":
        if (b.length > 0) b[at] = m.value;
        break;
      case "insert": {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case "delete":
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
    }
  }
  return b;
}

// Opcodes with well-formed arguments, in random order: exercises the stack machine beyond byte noise.
const opcode = fc.oneof(
  fc.constantFrom(
    "(",
    ")",
    "]",
    "}",
    "N",
    "\x88",
    "\x89",
    "t",
    "l",
    "d",
    "a",
    "e",
    "s",
    "u",
    "\x85",
    "\x86",
    "\x87",
    "\x94",
    "0",
    "1",
    "2",
    "R",
    "\x81",
    "b",
    "\x93",
    "\x8f",
    "\x90",
    "\x91",
    "\x98",
  ),
  fc.integer({ min: 0, max: 255 }).map((n) => `K${String.fromCharCode(n)}`),
  fc.integer({ min: 0, max: 8 }).map((n) => `h${String.fromCharCode(n)}`),
  fc
    .constantFrom("numpy", "dtype", "builtins", "slice", "set", "mylib", "Thing", "f8", "<", "os", "system")
    .map((s) => `\x8c${String.fromCharCode(s.length)}${s}`),
  fc
    .uint8Array({ maxLength: 24 })
    .map((b) => `C${String.fromCharCode(b.length)}${String.fromCharCode(...b)}`),
);

describe("fuzzing the pickle reader", () => {
  it("random bytes parse or throw a PickleError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => readsOrRefuses(bytes)),
      { numRuns: 2000 },
    );
  });

  it("random bytes after a protocol 4 header parse or throw a PickleError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        readsOrRefuses(new Uint8Array([0x80, 4, ...bytes])),
      ),
      { numRuns: 2000 },
    );
  });

  it("mutated real pickles parse or throw a PickleError", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (i, ms) => readsOrRefuses(mutate(SEEDS[i]!, ms)),
      ),
      { numRuns: 3000 },
    );
  });

  it("random opcode programs parse or throw a PickleError", () => {
    fc.assert(
      fc.property(fc.array(opcode, { maxLength: 60 }), (ops) => {
        const text = `\x80\x04${ops.join("")}.`;
        readsOrRefuses(Uint8Array.from(text, (c) => c.charCodeAt(0)));
      }),
      { numRuns: 3000 },
    );
  });

  it("a tight allocation budget stops reads with a PickleError before allocating, never a crash", () => {
    // A tiny budget: every read must then either fit it or stop with a limit error before allocating.
    fc.assert(
      fc.property(fc.nat({ max: SEEDS.length - 1 }), fc.array(mutation, { maxLength: 4 }), (i, ms) => {
        const bytes = mutate(SEEDS[i]!, ms);
        try {
          readPickle(bytes, { allowlist: allowlist(), limits: { allocationFactor: 1, allocationSlack: 0 } });
        } catch (err) {
          expect(err).toBeInstanceOf(PickleError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

const SKOPS_SEEDS = [
  "synthetic-all-nodes.skops",
  "synthetic-sparse-deflated.skops",
  "logreg-multinomial.skops",
].map((n) => new Uint8Array(fixture("skops", n)));

async function skopsReadsOrRefuses(bytes: Uint8Array): Promise<void> {
  try {
    await readSkops(bytes, { allowlist: allowlist() });
  } catch (err) {
    if (!(err instanceof PickleError)) throw err;
  }
}

describe("fuzzing the skops reader", () => {
  it("random bytes and mutated skops files resolve or reject with a PickleError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: SKOPS_SEEDS.length - 1 }),
        fc.array(mutation, { maxLength: 6 }),
        (i, ms) => skopsReadsOrRefuses(mutate(SKOPS_SEEDS[i]!, ms)),
      ),
      { numRuns: 500 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (b) => skopsReadsOrRefuses(b)),
      { numRuns: 300 },
    );
  });

  it("schemas with random JSON put in place of nodes resolve or reject with a PickleError", async () => {
    const zip = new Uint8Array(fixture("skops", "synthetic-all-nodes.skops"));
    const members = new Map<string, Uint8Array>();
    // Rebuild the members from the seed: schema.json plus its .npy files.
    const { readZip } = await import("./skops/zip.js");
    const { Budget, DEFAULT_LIMITS } = await import("./limits.js");
    for (const [k, v] of await readZip(zip, DEFAULT_LIMITS, new Budget(zip.length, DEFAULT_LIMITS)))
      members.set(k, v);
    const schema = JSON.parse(new TextDecoder().decode(members.get("schema.json"))) as {
      content: { content: Record<string, unknown> };
    };
    const keys = Object.keys(schema.content.content);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (replacements) => {
          const s = structuredClone(schema);
          for (const [k, v] of replacements) s.content.content[k] = v;
          const files: Record<string, Uint8Array | string> = { "schema.json": JSON.stringify(s) };
          for (const [k, v] of members) if (k !== "schema.json") files[k] = v;
          await skopsReadsOrRefuses(storedZip(files));
        },
      ),
      { numRuns: 500 },
    );
  });
});
