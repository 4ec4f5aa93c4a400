import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { prepareInputExample } from "../example/input-example.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import { ModelSignature } from "../signature/signature.js";
import { enforceSchema } from "./enforce.js";
import { enforceParams } from "./params.js";
import { coerceForServing } from "./serving.js";
import {
  AnyType,
  ArrayType,
  ColSpec,
  type ColSpecType,
  DATA_TYPES,
  MapType,
  ObjectType,
  ParamSchema,
  ParamSpec,
  Property,
  Schema,
  TensorSpec,
} from "./types.js";

const names = fc.constantFrom("a", "b", "c", "x y", "0");
const dataType = fc.constantFrom(...DATA_TYPES);
const colType: fc.Arbitrary<ColSpecType> = fc.letrec<{ t: ColSpecType }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    dataType,
    tie("t").map((t) => new ArrayType(t)),
    tie("t").map((t) => new MapType(t)),
    fc.constant(new AnyType()),
    fc
      .uniqueArray(fc.tuple(names, tie("t"), fc.boolean()), {
        minLength: 1,
        maxLength: 3,
        selector: (x) => x[0],
      })
      .map((ps) => new ObjectType(ps.map(([n, t, r]) => new Property(n, t, r)))),
  ),
})).t;

const colSchema = fc
  .uniqueArray(fc.tuple(names, colType, fc.boolean()), { minLength: 1, maxLength: 4, selector: (x) => x[0] })
  .chain((specs) =>
    fc
      .boolean()
      .map(
        (named) =>
          new Schema(specs.map(([n, t, r]) => (named ? new ColSpec(t, n, r) : new ColSpec(t, null, true)))),
      ),
  );
const tensorSchema = fc
  .tuple(
    fc.constantFrom("float32", "float64", "int64", "int32", "bool", "object", "str"),
    fc.array(fc.constantFrom(-1, 1, 2, 3), { minLength: 1, maxLength: 3 }),
    fc.option(names, { nil: null }),
  )
  .map(([d, shape, n]) => new Schema([new TensorSpec(d, shape, n)]));

const jsonish = fc.jsonValue({ maxDepth: 3 });
const typed = fc.oneof(
  fc.float64Array({ maxLength: 6 }),
  fc.float32Array({ maxLength: 6 }),
  fc.int32Array({ maxLength: 6 }),
  fc.bigInt64Array({ maxLength: 6 }),
);
const tensor = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([r, c]) =>
  fc.oneof(
    fc
      .float64Array({ minLength: r * c, maxLength: r * c })
      .map((d) => ({ dtype: "float64" as const, shape: [r, c], data: d })),
    fc
      .float32Array({ minLength: r * c, maxLength: r * c })
      .map((d) => ({ dtype: "float32" as const, shape: [r, c], data: d })),
  ),
);
const frame = fc
  .uniqueArray(names, { minLength: 0, maxLength: 4 })
  .chain((cols) =>
    fc
      .integer({ min: 0, max: 4 })
      .chain((n) =>
        fc
          .tuple(
            ...cols.map(() =>
              fc.oneof(
                fc.array(jsonish, { minLength: n, maxLength: n }),
                fc.float64Array({ minLength: n, maxLength: n }),
                fc.bigInt64Array({ minLength: n, maxLength: n }),
              ),
            ),
          )
          .map((vals) =>
            DataFrame.fromColumns(Object.fromEntries(cols.map((c, i) => [c, vals[i] as never]))),
          ),
      ),
  );
const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  jsonish,
  typed,
  tensor,
  frame,
  fc.dictionary(names, fc.oneof(jsonish, tensor, typed)),
  fc.array(fc.dictionary(names, jsonish), { maxLength: 4 }),
);

function onlyMlflowErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
  }
}

describe("reading untrusted signature JSON never throws anything but MlflowException", () => {
  const specLike = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        type: fc.constantFrom(...DATA_TYPES, "tensor", "array", "object", "map", "any", "x"),
        name: fc.option(fc.string(), { nil: undefined }),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({
      type: fc.constant("tensor"),
      "tensor-spec": fc.record({ dtype: fc.jsonValue(), shape: fc.jsonValue() }),
    }),
    fc.record({
      name: fc.string(),
      type: fc.constantFrom(...DATA_TYPES, "object"),
      default: fc.jsonValue(),
      shape: fc.option(fc.jsonValue(), { nil: null }),
    }),
  );
  it("Schema.fromJson / ParamSchema.fromJson / ModelSignature.fromDict", () => {
    fc.assert(
      fc.property(fc.array(specLike, { maxLength: 4 }), (list) => {
        const text = JSON.stringify(list);
        onlyMlflowErrors(() => Schema.fromJson(text));
        onlyMlflowErrors(() => ParamSchema.fromJson(text));
        onlyMlflowErrors(() => ModelSignature.fromDict({ inputs: text, outputs: text, params: text }));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("inputs", "outputs", "params"), fc.jsonValue({ maxDepth: 3 })),
        (d) => {
          onlyMlflowErrors(() => ModelSignature.fromDict(d as never));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("enforcement on random inputs never throws anything but MlflowException", () => {
  it("column schemas", () => {
    fc.assert(
      fc.property(colSchema, anyInput, (schema, input) =>
        onlyMlflowErrors(() => enforceSchema(input as PyFuncInput, schema)),
      ),
      { numRuns: 400 },
    );
  });
  it("tensor schemas", () => {
    fc.assert(
      fc.property(tensorSchema, anyInput, (schema, input) =>
        onlyMlflowErrors(() => enforceSchema(input as PyFuncInput, schema)),
      ),
      { numRuns: 400 },
    );
  });
  it("serving coercion followed by enforcement", () => {
    fc.assert(
      fc.property(fc.oneof(colSchema, tensorSchema), anyInput, (schema, input) =>
        onlyMlflowErrors(() => enforceSchema(coerceForServing(input as PyFuncInput, schema), schema)),
      ),
      { numRuns: 400 },
    );
  });
  it("input example preparation", () => {
    fc.assert(
      fc.property(anyInput, fc.option(fc.dictionary(names, jsonish), { nil: undefined }), (input, params) =>
        onlyMlflowErrors(() => prepareInputExample(input as PyFuncInput, params)),
      ),
      { numRuns: 400 },
    );
  });
  it("params", () => {
    const schema = new ParamSchema([
      new ParamSpec("d", "double", 1.5),
      new ParamSpec("l", "long", [1], [-1]),
      new ParamSpec("t", "datetime", null),
      new ParamSpec("o", new ObjectType([new Property("k", "string", false)]), {}),
    ]);
    fc.assert(
      fc.property(
        fc.oneof(fc.dictionary(fc.constantFrom("d", "l", "t", "o", "z"), jsonish), jsonish),
        (params) => onlyMlflowErrors(() => enforceParams(params as Record<string, unknown>, schema)),
      ),
      { numRuns: 400 },
    );
  });
  it("the enforced result of a column schema holds exactly the schema's present columns, in order", () => {
    fc.assert(
      fc.property(colSchema, frame, (schema, input) => {
        let out: unknown;
        try {
          out = enforceSchema(input, schema);
        } catch (e) {
          expect(e).toBeInstanceOf(MlflowException);
          return;
        }
        expect(out).toBeInstanceOf(DataFrame);
        const df = out as DataFrame;
        if (schema.hasInputNames()) {
          expect(df.columns).toEqual((schema.inputNames() as string[]).filter((n) => input.has(n)));
        } else {
          expect(df.numColumns).toBe(schema.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
