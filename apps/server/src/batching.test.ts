// Issue 22, item 1: adaptive batching over real HTTP. A real PyFuncModel (core's loadModel, a tensor signature
// [-1, 2] float32 with a `delay_ms` param) whose implementation records every call it receives.
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  coreVersion,
  FlavorRegistry,
  loadModel,
  MlflowException,
  type PyFuncInput,
  type PyFuncModel,
  saveModel,
  type Tensor,
} from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, startTestServer } from "../test/helpers.js";
import { batchingOptionsOf } from "./plugins/batching.js";

const LOADER = "@pyfunc/test-batch-recorder";
let root: string;
const calls: number[] = []; // rows of each call the implementation received
const slow: number[] = []; // rows of each call with a delay_ms param

async function recorderModel(): Promise<PyFuncModel> {
  const registry = new FlavorRegistry();
  registry.register({
    name: "batch-recorder",
    packageName: LOADER,
    coreVersion: `^${coreVersion()}`,
    loaderModules: [LOADER],
    async load() {
      return {
        // each row → its sum; a row holding 999 is refused by the model itself (not by the signature)
        predict(input: PyFuncInput, params?: Record<string, unknown>) {
          const t = input as Tensor;
          const n = t.shape[0]!;
          calls.push(n);
          const out = new Float32Array(n);
          for (let r = 0; r < n; r++) {
            const a = Number(t.data[2 * r]);
            const b = Number(t.data[2 * r + 1]);
            if (a === 999) throw new MlflowException("999 is out of range for this model", "BAD_REQUEST");
            out[r] = a + b;
          }
          const result: Tensor = { dtype: "float32", shape: [n], data: out };
          const ms = Number(params?.delay_ms ?? 0);
          if (ms > 0) slow.push(n);
          return ms > 0 ? new Promise((resolve) => setTimeout(() => resolve(result), ms)) : result;
        },
      };
    },
  });
  const dir = path.join(root, `m-${Math.random().toString(36).slice(2)}`);
  await saveModel(dir, {
    loaderModule: LOADER,
    pyfuncFlavorKey: "js_function",
    flavor: { name: "batch-recorder", config: {} },
    signature: {
      inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]',
      outputs: null,
      params: '[{"name": "delay_ms", "type": "long", "default": 0, "shape": null}]',
    },
    writeFiles: async (tmp) => {
      await mkdir(path.join(tmp, "data"));
      await writeFile(path.join(tmp, "data", "m.json"), "{}");
    },
  });
  return loadModel(dir, { registry, discover: false });
}

const body = (a: number, b: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [[a, b]], ...extra });

/**
 * Keep the model busy for `ms` with one request (its own batch: another params key) and resolve once it is in
 * the model, so the requests sent next queue up behind it (an idle model takes a request at once).
 */
async function occupy(url: string, ms: number): ReturnType<typeof post> {
  const before = calls.length;
  const answer = post(`${url}/invocations`, body(0, 0, { params: { delay_ms: ms } }));
  while (calls.length === before) await new Promise((r) => setTimeout(r, 5));
  return answer;
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(" ")[1]);
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-batching-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("adaptive batching over HTTP", () => {
  it("merges concurrent requests into fewer model calls and answers each with its own row, in order", async () => {
    // the model is busy with one slow request while the 24 arrive, so they queue and go out by size (the delay
    // is far longer than the test): the calls are known exactly
    const srv = await startTestServer({
      model: await recorderModel(),
      maxBatchSize: 8,
      maxBatchDelayMs: 30_000,
    });
    try {
      calls.length = 0;
      const busy = occupy(srv.url, 1500);
      const n = 24;
      const answers = await Promise.all(
        Array.from({ length: n }, (_v, i) => post(`${srv.url}/invocations`, body(i, 0.5))),
      );
      expect((await busy).status).toBe(200);
      expect(answers.map((a) => a.status)).toEqual(Array(n).fill(200));
      expect(answers.map((a) => a.json())).toEqual(
        Array.from({ length: n }, (_v, i) => ({ predictions: [i + 0.5] })),
      );
      expect(calls).toEqual([1, 8, 8, 8]);
      const metrics = (await (await fetch(`${srv.url}/metrics`)).text()).trim();
      // requests and rows per model call, the queue delay of each request, and why each batch went
      expect(metric(metrics, "pyfunc_batch_requests_sum")).toBe(n + 1);
      expect(metric(metrics, "pyfunc_batch_requests_count")).toBe(calls.length);
      expect(metric(metrics, 'pyfunc_batch_requests_bucket{le="4"}')).toBe(1);
      expect(metric(metrics, 'pyfunc_batch_requests_bucket{le="8"}')).toBe(4);
      expect(metric(metrics, "pyfunc_batch_rows_sum")).toBe(n + 1);
      expect(metric(metrics, 'pyfunc_batch_rows_bucket{le="1"}')).toBe(1);
      expect(metric(metrics, "pyfunc_batch_queue_delay_seconds_count")).toBe(n + 1);
      expect(metric(metrics, "pyfunc_batch_queue_delay_seconds_sum")).toBeGreaterThan(0);
      expect(metric(metrics, 'pyfunc_batch_queue_delay_seconds_bucket{le="+Inf"}')).toBe(n + 1);
      expect(metric(metrics, 'pyfunc_batch_released_total{trigger="size"}')).toBe(3);
      expect(metric(metrics, 'pyfunc_batch_released_total{trigger="idle"}')).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it("answers a request that fails the signature alone with 400 while the others get 200", async () => {
    const srv = await startTestServer({
      model: await recorderModel(),
      maxBatchSize: 4,
      maxBatchDelayMs: 30_000,
    });
    try {
      calls.length = 0;
      const busy = occupy(srv.url, 1000);
      const bodies = [
        body(1, 1),
        body(2, 2),
        JSON.stringify({ inputs: [[1, 2, 3]] }),
        body(3, 3),
        body(4, 4),
      ];
      const answers = await Promise.all(bodies.map((b) => post(`${srv.url}/invocations`, b)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 200, 200]);
      expect(answers[2]!.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
      expect(answers[2]!.text).toMatch(/Shape of input \(1, 3\) does not match expected shape \(-1, 2\)/);
      expect([0, 1, 3, 4].map((i) => answers[i]!.json())).toEqual(
        [2, 4, 6, 8].map((p) => ({ predictions: [p] })),
      );
      // the bad one never reached the model; the four good ones went in one call
      expect((await busy).status).toBe(200);
      expect(calls).toEqual([1, 4]);
    } finally {
      await srv.close();
    }
  });

  it("a row the model refuses fails only its own request: the batch is retried one request at a time", async () => {
    const srv = await startTestServer({
      model: await recorderModel(),
      maxBatchSize: 3,
      maxBatchDelayMs: 30_000,
    });
    try {
      calls.length = 0;
      const busy = occupy(srv.url, 1000);
      const answers = await Promise.all(
        [body(1, 1), body(999, 0), body(3, 3)].map((b) => post(`${srv.url}/invocations`, b)),
      );
      expect((await busy).status).toBe(200);
      expect(answers.map((a) => a.status)).toEqual([200, 400, 200]);
      expect(answers[1]!.text).toMatch(/999 is out of range for this model/);
      expect([answers[0]!.json(), answers[2]!.json()]).toEqual([{ predictions: [2] }, { predictions: [6] }]);
      expect(calls).toEqual([1, 3, 1, 1, 1]);
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metric(metrics, "pyfunc_batch_retries_total")).toBe(1);
    } finally {
      await srv.close();
    }
  });

  it("keeps requests with different params apart and still enforces the timeout on a batch", async () => {
    const srv = await startTestServer({
      model: await recorderModel(),
      maxBatchSize: 2,
      maxBatchDelayMs: 30_000,
      timeoutMs: 300,
    });
    try {
      calls.length = 0;
      slow.length = 0;
      // the first slow request occupies the model; the second and the two fast ones queue behind it in two
      // batches (other params), the fast pair released by size
      const first = occupy(srv.url, 1500);
      const later = post(`${srv.url}/invocations`, body(2, 0, { params: { delay_ms: 1500 } }));
      const fast = [1, 2].map((i) => post(`${srv.url}/invocations`, body(i, 0)));
      const [s1, s2, f1, f2] = await Promise.all([first, later, ...fast]);
      expect([s1!.status, s2!.status]).toEqual([504, 504]);
      expect(s2!.json()).toMatchObject({ error_code: "DEADLINE_EXCEEDED" });
      expect([f1!.json(), f2!.json()]).toEqual([{ predictions: [1] }, { predictions: [2] }]);
      // the fast pair: one call of 2 rows, never merged with a slow request
      expect(calls.length - slow.length).toBe(1);
      expect(calls.reduce((a, b) => a + b, 0) - slow.reduce((a, b) => a + b, 0)).toBe(2);
    } finally {
      await srv.close();
    }
  });

  it("is off by default: every request is its own call", async () => {
    const srv = await startTestServer({ model: await recorderModel() });
    try {
      calls.length = 0;
      await Promise.all(Array.from({ length: 8 }, (_v, i) => post(`${srv.url}/invocations`, body(i, 0))));
      expect(calls).toEqual(Array(8).fill(1));
      expect(await (await fetch(`${srv.url}/metrics`)).text()).not.toMatch(/pyfunc_batch_requests/);
    } finally {
      await srv.close();
    }
  });
});

describe("batchingOptionsOf", () => {
  it("turns batching on from a size of 2 and refuses invalid values", () => {
    expect(batchingOptionsOf({})).toBeUndefined();
    expect(batchingOptionsOf({ maxBatchSize: 1 })).toBeUndefined();
    expect(batchingOptionsOf({ maxBatchSize: 8 })).toEqual({ maxBatchSize: 8, maxDelayMs: 5 });
    expect(batchingOptionsOf({ maxBatchSize: 8, maxBatchDelayMs: 0 })).toEqual({
      maxBatchSize: 8,
      maxDelayMs: 0,
    });
    expect(() => batchingOptionsOf({ maxBatchSize: 2.5 })).toThrow(RangeError);
    expect(() => batchingOptionsOf({ maxBatchSize: 8, maxBatchDelayMs: -1 })).toThrow(RangeError);
  });
});
