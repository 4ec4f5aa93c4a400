import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel, Model } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import "./index.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");

function rowsOf(output: unknown): Record<string, unknown>[] {
  const f = output as { toRecords?: () => Record<string, unknown>[] };
  return typeof f.toRecords === "function" ? f.toRecords() : (output as Record<string, unknown>[]);
}

describe("committed fixture model directories", () => {
  it("transcript-model reproduces the LinearScorer formula, params and vocabulary lookup", async () => {
    const model = await loadModel(path.join(FIXTURES, "transcript-model"));
    const input = [
      { x: 1.0, y: 0.5, n: 1, name: "alice" },
      { x: 2.5, y: 1.0, n: 2, name: "bob" },
      { x: -3.0, y: 2.0, n: 3, name: "zed" },
    ];
    // score = (0.5x - 1.25y) * 2.0 * multiplier + 0.25 + n
    const expectedScore = (r: { x: number; y: number; n: number }, m: number) =>
      (0.5 * r.x - 1.25 * r.y) * 2 * m + 0.25 + r.n;
    const plain = rowsOf(await model.predict(input));
    expect(plain.map((r) => r.score)).toEqual(input.map((r) => expectedScore(r, 1)));
    expect(plain.map((r) => r.greeting)).toEqual(["hi alice", "hi bob", "hi zed"]);
    expect(plain.map((r) => r.known)).toEqual([true, true, false]);
    const withParams = rowsOf(await model.predict(input, { multiplier: 2.0, upper: true }));
    expect(withParams.map((r) => r.score)).toEqual(input.map((r) => expectedScore(r, 2)));
    expect(withParams.map((r) => r.greeting)).toEqual(["HI ALICE", "HI BOB", "HI ZED"]);
  });

  it("transcript-model carries the Python model's signature, config, metadata and artifacts", async () => {
    const m = await Model.load(path.join(FIXTURES, "transcript-model"));
    const block = m.flavors.js_function as Record<string, unknown>;
    expect(block.config).toEqual({ scale: 2.0, offset: 0.25, greeting: "hi" });
    expect(Object.keys(block.artifacts as object).sort()).toEqual(["vocab", "weights"]);
    expect(m.metadata).toEqual({ fixture: "pyfunc-python-model", purpose: "TypeScript parity tests" });
    expect(JSON.parse(m.signature?.params ?? "[]").map((p: { name: string }) => p.name)).toEqual([
      "multiplier",
      "upper",
    ]);
    expect(existsSync(path.join(FIXTURES, "transcript-model", "serving_input_example.json"))).toBe(true);
    const serving = JSON.parse(
      readFileSync(path.join(FIXTURES, "transcript-model", "serving_input_example.json"), "utf8"),
    );
    expect(serving.params).toEqual({ multiplier: 2.0 });
  });

  it("echo-model predicts and streams", async () => {
    const model = await loadModel(path.join(FIXTURES, "echo-model"));
    expect(model.isStreamable).toBe(true);
    expect(await model.predict([{ text: "a b" }], { prefix: "> " })).toEqual(["> a b"]);
    const chunks: unknown[] = [];
    for await (const c of model.predictStream([{ text: "hello streaming world" }])) chunks.push(c);
    expect(chunks).toEqual(["hello", " streaming", " world"]);
  });
});
