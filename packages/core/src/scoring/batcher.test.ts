import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { Tensor, TensorDict } from "../inputs/tensor.js";
import { AdaptiveBatcher, type BatchReport, splitOutput } from "./batcher.js";

const row = (v: number, cols = 2): Tensor => ({
  dtype: "float32",
  shape: [1, cols],
  data: new Float32Array(cols).fill(v),
});

/** Each row's first value (one output entry per row). */
const firstColumn = (t: Tensor): number[] =>
  Array.from({ length: t.shape[0]! }, (_v, i) => Number(t.data[i * t.shape[1]!]));

/** A model that records each call's input and answers with `form` built from the input's first column. */
function recorder(form: (firsts: number[]) => PyFuncOutput) {
  const calls: PyFuncInput[] = [];
  return {
    calls,
    predict(input: PyFuncInput, _params?: Params): PyFuncOutput {
      calls.push(input);
      const t = input as Tensor;
      const cols = t.shape[1]!;
      const firsts = Array.from({ length: t.shape[0]! }, (_v, i) => Number(t.data[i * cols]));
      if (firsts.includes(-1)) throw new MlflowException("row -1 is refused by the model", "BAD_REQUEST");
      return form(firsts);
    },
  };
}

describe("AdaptiveBatcher", () => {
  it("merges concurrent compatible requests into one call and answers each with its own rows, in order", async () => {
    const model = recorder((f) => ({ dtype: "float64", shape: [f.length], data: Float64Array.from(f) }));
    const reports: BatchReport[] = [];
    const b = new AdaptiveBatcher(model, { maxBatchSize: 64, maxDelayMs: 20 }, (r) => reports.push(r));
    const outs = await Promise.all([1, 2, 3, 4, 5].map((v) => b.predict(row(v))));
    expect(model.calls).toHaveLength(1);
    expect((model.calls[0] as Tensor).shape).toEqual([5, 2]);
    expect(outs.map((o) => Array.from((o as Tensor).data as Float64Array))).toEqual([
      [1],
      [2],
      [3],
      [4],
      [5],
    ]);
    // the model was idle: released at the end of the event-loop turn the requests arrived in, not after 20 ms
    expect(reports).toMatchObject([{ requests: 5, rows: 5, trigger: "idle", retriedIndividually: false }]);
  });

  it("queues requests while the model is busy and releases them together the moment it is free", async () => {
    const gates: (() => void)[] = [];
    const calls: number[] = [];
    const b = new AdaptiveBatcher(
      {
        // an asynchronous model: each call ends when the test opens its gate
        predict: (input) => {
          const t = input as Tensor;
          calls.push(t.shape[0]!);
          return new Promise<PyFuncOutput>((resolve) => gates.push(() => resolve(firstColumn(t))));
        },
      },
      { maxBatchSize: 64, maxDelayMs: 60_000 },
      (r) => reports.push(r),
    );
    const reports: BatchReport[] = [];
    const first = b.predict(row(1));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([1]); // idle model: no wait at all
    const next = [2, 3, 4].map((v) => b.predict(row(v)));
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toEqual([1]); // busy: the three wait (the delay is a minute)
    expect(b.queued).toBe(3);
    gates[0]!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([1, 3]);
    gates[1]!();
    expect(await Promise.all(next)).toEqual([[2], [3], [4]]);
    expect(reports.map((r) => [r.requests, r.trigger])).toEqual([
      [1, "idle"],
      [3, "idle"],
    ]);
    // the three waited at least the 30 ms the first call took
    expect(Math.min(...reports[1]!.queueDelaysMs)).toBeGreaterThanOrEqual(25);
  });

  it("releases a waiting batch after maxDelayMs when the model stays busy (the calls then overlap)", async () => {
    const gates: (() => void)[] = [];
    const reports: BatchReport[] = [];
    const b = new AdaptiveBatcher(
      {
        predict: (input) =>
          new Promise<PyFuncOutput>((resolve) => gates.push(() => resolve(firstColumn(input as Tensor)))),
      },
      { maxBatchSize: 64, maxDelayMs: 20 },
      (r) => reports.push(r),
    );
    const first = b.predict(row(1));
    await new Promise((r) => setImmediate(r));
    const later = [b.predict(row(2)), b.predict(row(3))];
    await new Promise((r) => setTimeout(r, 60));
    expect(gates).toHaveLength(2); // the second call started while the first was still running
    gates[1]!();
    expect(await Promise.all(later)).toEqual([[2], [3]]);
    gates[0]!();
    await first;
    await new Promise((r) => setImmediate(r)); // the report follows the answers
    expect(reports.map((r) => [r.requests, r.trigger])).toEqual([
      [2, "delay"],
      [1, "idle"],
    ]);
    expect(Math.min(...reports[0]!.queueDelaysMs)).toBeGreaterThanOrEqual(15);
  });

  it("releases a batch as soon as it holds maxBatchSize rows", async () => {
    const model = recorder((f) => f);
    const reports: BatchReport[] = [];
    const b = new AdaptiveBatcher(model, { maxBatchSize: 3, maxDelayMs: 60_000 }, (r) => reports.push(r));
    const outs = await Promise.all([1, 2, 3, 4, 5, 6].map((v) => b.predict(row(v))));
    expect(outs).toEqual([[1], [2], [3], [4], [5], [6]]);
    expect(model.calls).toHaveLength(2);
    expect(reports.map((r) => r.trigger)).toEqual(["size", "size"]);
  });

  it("keeps incompatible requests apart: other trailing dims, dtypes or params", async () => {
    const model = recorder((f) => f);
    const b = new AdaptiveBatcher(model, { maxBatchSize: 64, maxDelayMs: 10 });
    const f64: Tensor = { dtype: "float64", shape: [1, 2], data: new Float64Array([7, 7]) };
    await Promise.all([
      b.predict(row(1)),
      b.predict(row(2, 3)),
      b.predict(f64),
      b.predict(row(3), { k: 1 }),
      b.predict(row(4), { k: 1 }),
      b.predict(row(5)),
    ]);
    expect(model.calls.map((c) => (c as Tensor).shape[0])).toEqual([2, 1, 1, 2]);
  });

  it("throws a request's validation error at once, without queueing it", async () => {
    const model = recorder((f) => f);
    const b = new AdaptiveBatcher(
      {
        ...model,
        predict: model.predict,
        validate: (input) => {
          if ((input as Tensor).data[0] === 9) throw MlflowException.invalidParameter("nine is not allowed");
        },
      },
      { maxBatchSize: 64, maxDelayMs: 10 },
    );
    const good = [b.predict(row(1)), b.predict(row(2))];
    expect(() => b.predict(row(9))).toThrow(/nine is not allowed/);
    expect(await Promise.all(good)).toEqual([[1], [2]]);
    expect(model.calls).toHaveLength(1);
  });

  it("predicts each request alone when the merged call fails, so only the bad one gets the error", async () => {
    const model = recorder((f) => f);
    const reports: BatchReport[] = [];
    const b = new AdaptiveBatcher(model, { maxBatchSize: 64, maxDelayMs: 10 }, (r) => reports.push(r));
    const results = await Promise.allSettled([1, -1, 3].map((v) => b.predict(row(v))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("row -1 is refused by the model");
    expect(model.calls).toHaveLength(4);
    expect(reports[0]!.retriedIndividually).toBe(true);
  });

  it("merges DataFrames and dicts of tensors column by column", async () => {
    const seen: PyFuncInput[] = [];
    const b = new AdaptiveBatcher(
      {
        predict: (input) => {
          seen.push(input);
          return input;
        },
      },
      { maxBatchSize: 64, maxDelayMs: 10 },
    );
    const frames = [1, 2].map((v) => DataFrame.fromColumns({ a: new Float64Array([v]), s: [`r${v}`] }));
    const dicts = [1, 2].map(
      (v): TensorDict => ({
        x: row(v),
        y: { dtype: "int64", shape: [1], data: new BigInt64Array([BigInt(v)]) },
      }),
    );
    const [f1, f2, d1, d2] = await Promise.all([...frames, ...dicts].map((x) => b.predict(x)));
    expect(seen).toHaveLength(2);
    expect((seen[0] as DataFrame).toRecords()).toEqual([
      { a: 1, s: "r1" },
      { a: 2, s: "r2" },
    ]);
    expect((f1 as DataFrame).toRecords()).toEqual([{ a: 1, s: "r1" }]);
    expect((f2 as DataFrame).toRecords()).toEqual([{ a: 2, s: "r2" }]);
    expect((d2 as TensorDict).y!.data).toEqual(new BigInt64Array([2n]));
    expect(Array.from((d1 as TensorDict).x!.data as Float32Array)).toEqual([1, 1]);
  });
});

describe("splitOutput", () => {
  it("splits every output form along the first dimension", () => {
    const t: Tensor = { dtype: "int32", shape: [3, 2], data: new Int32Array([1, 2, 3, 4, 5, 6]) };
    expect(splitOutput(t, [1, 2])).toEqual([
      { dtype: "int32", shape: [1, 2], data: new Int32Array([1, 2]) },
      { dtype: "int32", shape: [2, 2], data: new Int32Array([3, 4, 5, 6]) },
    ]);
    expect(splitOutput({ p: t, q: [7, 8, 9] }, [2, 1])).toEqual([
      { p: { dtype: "int32", shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) }, q: [7, 8] },
      { p: { dtype: "int32", shape: [1, 2], data: new Int32Array([5, 6]) }, q: [9] },
    ]);
    const objs = [{ label: "a" }, { label: "b" }, { label: "c" }];
    expect(splitOutput(objs, [2, 1])).toEqual([[{ label: "a" }, { label: "b" }], [{ label: "c" }]]);
    const df = DataFrame.fromColumns({ y: new Float64Array([1, 2, 3]) });
    expect(splitOutput(df, [1, 1, 1])!.map((d) => (d as DataFrame).toRecords())).toEqual([
      [{ y: 1 }],
      [{ y: 2 }],
      [{ y: 3 }],
    ]);
  });

  it("refuses outputs without one entry per merged row", () => {
    expect(splitOutput([1, 2], [1, 2])).toBeUndefined();
    expect(splitOutput("text", [1])).toBeUndefined();
    expect(splitOutput({ a: [1, 2], b: [1] }, [1, 1])).toBeUndefined();
  });
});
