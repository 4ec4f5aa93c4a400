import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

describe("the WebAssembly forest kernel", () => {
  it("is the committed output of scripts/wasm-kernel.mjs assembled by wabt (no stale generated files)", () => {
    const script = resolve(here, "../scripts/wasm-kernel.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
