import { type DataFrame, MlflowException, type PyFuncInput } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { handleInvocation } from "./invocation.js";
import type { ServableModel } from "./model-types.js";

const body = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const SPLIT = { dataframe_split: { columns: ["x"], data: [[1], [2.5]] } };

/** Doubles column x, synchronously (as the xgboost and onnx flavors do for small inputs) or not. */
function doubler(eager: "sync" | "async" | "throws"): ServableModel {
  const run = (input: PyFuncInput) => {
    if (eager === "throws") throw new MlflowException("bad input here", "BAD_REQUEST");
    const x = (input as DataFrame).column("x").values as ArrayLike<number>;
    return Array.from(x, (v) => v * 2);
  };
  return {
    predict: async (input) => run(input),
    predictEager: (input) => (eager === "async" ? Promise.resolve(run(input)) : run(input)),
  };
}

describe("handleInvocation", () => {
  it("answers a JSON body for a synchronous model synchronously (a plain answer, no promise)", () => {
    const r = handleInvocation(doubler("sync"), body(SPLIT), "application/json", undefined);
    expect(r).not.toBeInstanceOf(Promise);
    expect(r).toMatchObject({ status: 200, body: '{"predictions":[2,5]}' });
  });

  it("returns a promise with the same answer when the model predicts asynchronously", async () => {
    const r = handleInvocation(doubler("async"), body(SPLIT), "application/json", undefined);
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toMatchObject({ status: 200, body: '{"predictions":[2,5]}' });
  });

  it("turns a synchronous model error into MLflow's error answer without throwing", () => {
    const r = handleInvocation(doubler("throws"), body(SPLIT), "application/json", undefined);
    expect(r).not.toBeInstanceOf(Promise);
    expect(r).toMatchObject({ status: 400 });
    expect(JSON.parse((r as { body: string }).body)).toMatchObject({ error_code: "BAD_REQUEST" });
  });

  it("answers parse errors synchronously and other content types through a promise", async () => {
    const bad = handleInvocation(
      doubler("sync"),
      new TextEncoder().encode("{"),
      "application/json",
      undefined,
    );
    expect(bad).toMatchObject({ status: 400 });
    const csv = handleInvocation(
      doubler("sync"),
      new TextEncoder().encode("x\n1\n2.5\n"),
      "text/csv",
      undefined,
    );
    expect(csv).toBeInstanceOf(Promise);
    expect(await csv).toMatchObject({ status: 200, body: '{"predictions":[2,5]}' });
  });

  it("uses predict when the model has no predictEager", async () => {
    const { predictEager: _drop, ...model } = doubler("sync");
    const r = handleInvocation(model, body(SPLIT), "application/json", undefined);
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toMatchObject({ status: 200, body: '{"predictions":[2,5]}' });
  });
});
