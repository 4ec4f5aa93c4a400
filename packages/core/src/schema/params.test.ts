import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { enforceParams } from "./params.js";
import { ObjectType, ParamSchema, ParamSpec, Property } from "./types.js";

const schema = new ParamSchema([
  new ParamSpec("temperature", "double", 0.5),
  new ParamSpec("n", "long", 1),
  new ParamSpec("ratio", "float", 0.25),
  new ParamSpec("flag", "boolean", false),
  new ParamSpec("name", "string", "x"),
  new ParamSpec("since", "datetime", "2024-01-01"),
  new ParamSpec("ids", "long", [1, 2], [-1]),
  new ParamSpec("opt", "integer", null),
]);

function invalid(params: Record<string, unknown>): string {
  try {
    enforceParams(params, schema);
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
    expect((e as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    return (e as MlflowException).message;
  }
  throw new Error("expected a failure");
}

describe("params enforcement (_enforce_params_schema)", () => {
  it("drops params given to a model without a params schema, with MLflow's warning", () => {
    const warnings: string[] = [];
    expect(enforceParams({ a: 1 }, undefined, (m) => warnings.push(m))).toEqual({});
    expect(warnings).toEqual([
      "`params` can only be specified at inference time if the model signature defines a params schema. This model does not define a params schema. Ignoring provided params: ['a']",
    ]);
    expect(enforceParams(undefined, undefined, (m) => warnings.push(m))).toEqual({});
    expect(warnings).toHaveLength(1);
  });
  it("fills every missing key with the spec's default", () => {
    expect(enforceParams(undefined, schema)).toEqual({
      temperature: 0.5,
      n: 1,
      ratio: 0.25,
      flag: false,
      name: "x",
      since: "2024-01-01",
      ids: [1, 2],
      opt: null,
    });
  });
  it("drops unknown keys with a warning", () => {
    const warnings: string[] = [];
    const out = enforceParams({ zzz: 1, n: 3 }, schema, (m) => warnings.push(m));
    expect(out.zzz).toBeUndefined();
    expect(out.n).toBe(3);
    expect(warnings[0]).toMatch(
      /^Unrecognized params \['zzz'\] are ignored for inference\. Supported params are: \{/,
    );
  });
  it("refuses params that are not a dict", () => {
    expect(() => enforceParams([1] as unknown as Record<string, unknown>, schema)).toThrow(
      "Parameters must be a dictionary. Got type 'list'.",
    );
  });
  it("widens int to long/float/double and float to double", () => {
    const out = enforceParams({ temperature: 2, n: 5, ratio: 3 }, schema);
    expect(out).toMatchObject({ temperature: 2, n: 5, ratio: 3 });
  });
  it("refuses float for long, int for boolean and str for double, collecting all failures", () => {
    const msg = invalid({ n: 1.5, flag: 1, temperature: "hot" });
    expect(msg).toBe(
      "Invalid parameters found: {('temperature', \"Failed to validate type and shape for 'temperature': double (default: 0.5), error: Can not safely convert `<class 'str'>` to `DataType.double` for value `hot`\"), " +
        "('n', \"Failed to validate type and shape for 'n': long (default: 1), error: Can not safely convert `<class 'float'>` to `DataType.long` for value `1.5`\"), " +
        "('flag', \"Failed to validate type and shape for 'flag': boolean (default: False), error: Can not safely convert `<class 'int'>` to `DataType.boolean` for value `1`\")}",
    );
  });
  it("refuses a list for a scalar param", () => {
    expect(invalid({ name: ["a"] })).toContain(
      "Value must be a scalar for type `DataType.string`, got `['a']`",
    );
  });
  it("lets None pass for any type", () => {
    expect(enforceParams({ n: null }, schema).n).toBeNull();
  });
  it("parses datetime strings as numpy does and refuses bare ints", () => {
    expect(enforceParams({ since: "2024-05-06T07:08:09.5" }, schema).since).toBe(
      "2024-05-06T07:08:09.500000",
    );
    expect(enforceParams({ since: "2024-05-06" }, schema).since).toBe("2024-05-06");
    expect(invalid({ since: 5 })).toContain(
      "Failed to convert value `5` from type `<class 'int'>` to `DataType.datetime`",
    );
    expect(invalid({ since: "yesterday" })).toContain("Failed to convert value `yesterday`");
  });
  it("requires a 1-D list for shape (-1,) and converts each element", () => {
    expect(enforceParams({ ids: [3, 4] }, schema).ids).toEqual([3, 4]);
    expect(invalid({ ids: 3 })).toContain(
      "Value must be a 1D array with shape (-1,) for param 'ids': long (default: [1, 2]) (shape: (-1,)), received int with ndim 0",
    );
    expect(invalid({ ids: [[1], [2]] })).toContain("received list with ndim 2");
    expect(invalid({ ids: [1, "x"] })).toContain("Can not safely convert `<class 'str'>` to `DataType.long`");
  });
  it("validates Object params like Object columns and returns the original value", () => {
    const s = new ParamSchema([
      new ParamSpec("cfg", new ObjectType([new Property("k", "string")]), { k: "v" }),
    ]);
    expect(enforceParams({ cfg: { k: "w" } }, s).cfg).toEqual({ k: "w" });
    expect(() => enforceParams({ cfg: { k: "w", extra: 1 } }, s)).toThrow(
      "Invalid properties not defined in the schema found: {'extra'}",
    );
  });
});
