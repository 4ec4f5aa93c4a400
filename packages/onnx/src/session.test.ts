import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import {
  availableProviders,
  createSession,
  mapProviders,
  mapSessionOptions,
  validateSessionOptions,
} from "./session.js";

const MLP = fileURLToPath(new URL("../fixtures/mlp-dynamic-batch/model.onnx", import.meta.url));

describe("onnx_session_options → onnxruntime-node SessionOptions", () => {
  it("maps exactly the keys MLflow honours", () => {
    expect(
      mapSessionOptions({
        inter_op_num_threads: 2,
        intra_op_num_threads: 3,
        execution_mode: "Parallel",
        graph_optimization_level: 1,
        extra_session_config: { "session.intra_op.allow_spinning": "0", "session.use_env_allocators": 1 },
        enable_profiling: true,
      }),
    ).toEqual({
      interOpNumThreads: 2,
      intraOpNumThreads: 3,
      executionMode: "parallel",
      graphOptimizationLevel: "basic",
      extra: { "session.intra_op.allow_spinning": "0", "session.use_env_allocators": "1" },
    });
  });

  it("maps every graph optimisation level MLflow accepts and treats 0 as unset, as MLflow's truthiness test", () => {
    expect(mapSessionOptions({ graph_optimization_level: 2 }).graphOptimizationLevel).toBe("extended");
    expect(mapSessionOptions({ graph_optimization_level: 3 }).graphOptimizationLevel).toBe("layout");
    expect(mapSessionOptions({ graph_optimization_level: 99 }).graphOptimizationLevel).toBe("all");
    expect(mapSessionOptions({ graph_optimization_level: 0, intra_op_num_threads: 0 })).toEqual({});
    expect(mapSessionOptions({ execution_mode: "sequential" }).executionMode).toBe("sequential");
    expect(mapSessionOptions(null)).toEqual({});
  });

  it("refuses an unknown graph optimisation level with a typed error", () => {
    expect(() => mapSessionOptions({ graph_optimization_level: 7 })).toThrow(MlflowException);
  });
});

describe("save-time validation of onnx_session_options (MLflow's _validate_onnx_session_options)", () => {
  it("accepts MLflow's documented example and refuses what MLflow refuses", () => {
    expect(() =>
      validateSessionOptions({
        graph_optimization_level: 99,
        intra_op_num_threads: 1,
        inter_op_num_threads: 1,
        execution_mode: "sequential",
        extra_session_config: { "session.x": "1" },
        enable_profiling: false,
      }),
    ).not.toThrow();
    expect(() => validateSessionOptions(null)).not.toThrow();
    for (const bad of [
      [1, 2],
      { not_a_session_option: 1 },
      { extra_session_config: "x" },
      { execution_mode: "fast" },
      { graph_optimization_level: 3 },
      { intra_op_num_threads: -1 },
    ]) {
      expect(() => validateSessionOptions(bad), JSON.stringify(bad)).toThrow(MlflowException);
    }
  });
});

describe("providers", () => {
  it("maps MLflow's default [CUDA, CPU] to the available providers, cpu last, without warning", () => {
    const warnings: string[] = [];
    const out = mapProviders(["CUDAExecutionProvider", "CPUExecutionProvider"], (m) => warnings.push(m));
    expect(out[out.length - 1]).toBe("cpu");
    expect(out.every((p) => availableProviders().has(p))).toBe(true);
    if (!availableProviders().has("cuda")) expect(out).toEqual(["cpu"]);
    expect(warnings).toEqual([]);
  });

  it("warns about providers this runtime does not have and falls back to cpu", () => {
    const warnings: string[] = [];
    expect(mapProviders(["MIGraphXExecutionProvider"], (m) => warnings.push(m))).toEqual(["cpu"]);
    expect(warnings.join()).toMatch(/MIGraphXExecutionProvider/);
  });

  it("retries on cpu when a kept provider cannot initialise (webgpu without an adapter)", async () => {
    const warnings: string[] = [];
    const session = await createSession(MLP, {
      providers: ["WebGpuExecutionProvider", "CPUExecutionProvider"],
      warn: (m) => warnings.push(m),
    });
    expect(session.inputNames).toEqual(["features"]);
    // on a machine with a WebGPU adapter the first attempt succeeds and nothing is reported
    for (const w of warnings) expect(w).toMatch(/fell back to cpu/);
    await session.release();
  });

  it("creates a session with mapped options from a file path", async () => {
    const session = await createSession(MLP, {
      providers: ["CPUExecutionProvider"],
      onnxSessionOptions: {
        intra_op_num_threads: 1,
        execution_mode: "sequential",
        graph_optimization_level: 99,
      },
    });
    expect(session.inputNames).toEqual(["features"]);
    await session.release();
  });
});
