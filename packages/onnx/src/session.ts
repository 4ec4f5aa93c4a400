import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MlflowException } from "@pyfunc/core";
import "./runtime-check.js"; // first: a binding that cannot load says what to do
import ort from "onnxruntime-node";

export type InferenceSession = ort.InferenceSession;
export type SessionOptions = ort.InferenceSession.SessionOptions;

/** MLflow's default `providers` (mlflow.onnx.ONNX_EXECUTION_PROVIDERS). */
export const DEFAULT_MLFLOW_PROVIDERS: readonly string[] = ["CUDAExecutionProvider", "CPUExecutionProvider"];

/** Python onnxruntime provider names → onnxruntime-node execution provider names. */
const PROVIDER_NAMES: Record<string, string> = {
  CPUExecutionProvider: "cpu",
  CUDAExecutionProvider: "cuda",
  TensorrtExecutionProvider: "tensorrt",
  DmlExecutionProvider: "dml",
  CoreMLExecutionProvider: "coreml",
  WebGpuExecutionProvider: "webgpu",
  QNNExecutionProvider: "qnn",
};

/** onnxruntime-node execution provider names → Python names (for writing `providers` on save). */
export function toPythonProviderName(name: string): string {
  for (const [py, js] of Object.entries(PROVIDER_NAMES)) if (js === name.toLowerCase()) return py;
  return name;
}

/** Python provider name (or an onnxruntime-node name) → onnxruntime-node name; undefined when unknown. */
export function toNodeProviderName(name: string): string | undefined {
  if (Object.hasOwn(PROVIDER_NAMES, name)) return PROVIDER_NAMES[name];
  const lower = name.toLowerCase();
  return Object.values(PROVIDER_NAMES).includes(lower) ? lower : undefined;
}

let availableCache: Set<string> | undefined;

/**
 * Execution providers this onnxruntime-node install can actually use. Providers that are not bundled in
 * the npm package (CUDA, TensorRT on Linux) count only when their shared library has been installed next
 * to the binding (which the skipped install script would have downloaded).
 */
export function availableProviders(): Set<string> {
  if (availableCache) return availableCache;
  const found = new Set<string>(["cpu"]);
  let binDir: string | undefined;
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("onnxruntime-node");
    binDir = join(dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
  } catch {
    binDir = undefined;
  }
  for (const b of ort.listSupportedBackends()) {
    if (b.bundled) {
      // webgpu is bundled but needs a GPU adapter; only use it when asked for by name and present.
      found.add(b.name);
    } else if (binDir !== undefined) {
      const lib =
        process.platform === "win32"
          ? `onnxruntime_providers_${b.name}.dll`
          : `libonnxruntime_providers_${b.name}.${process.platform === "darwin" ? "dylib" : "so"}`;
      if (existsSync(join(binDir, lib))) found.add(b.name);
    }
  }
  availableCache = found;
  return found;
}

/**
 * Map MLflow's `providers` list to onnxruntime-node execution providers: known names are translated,
 * unavailable ones dropped (with a warning when nothing usable is left but cpu), and cpu is always last.
 */
export function mapProviders(providers: unknown, warn: (m: string) => void): string[] {
  const list = Array.isArray(providers) ? providers : DEFAULT_MLFLOW_PROVIDERS;
  const available = availableProviders();
  const out: string[] = [];
  const dropped: string[] = [];
  for (const p of list) {
    if (typeof p !== "string") continue;
    const name = toNodeProviderName(p);
    if (name !== undefined && available.has(name)) {
      if (!out.includes(name)) out.push(name);
    } else {
      dropped.push(p);
    }
  }
  if (!out.includes("cpu")) out.push("cpu");
  // MLflow's default list always names CUDA; dropping it on a CPU-only install is the normal case.
  const unexpected = dropped.filter(
    (p) => p !== "CUDAExecutionProvider" && p !== "TensorrtExecutionProvider",
  );
  if (unexpected.length > 0) {
    warn(
      `ONNX execution providers ${JSON.stringify(unexpected)} are not available in this onnxruntime-node install; using ${JSON.stringify(out)}.`,
    );
  }
  return out;
}

const OPTIMIZATION_LEVELS: Record<number, SessionOptions["graphOptimizationLevel"]> = {
  0: "disabled",
  1: "basic",
  2: "extended",
  3: "layout",
  99: "all",
};

/**
 * Session options from the MLmodel's `onnx_session_options`, honouring exactly the keys MLflow's
 * `_OnnxModelWrapper` honours. As in MLflow (which tests each value for truthiness), a value of 0 is
 * treated as "not set": `graph_optimization_level: 0` leaves onnxruntime's default ("all").
 */
export function mapSessionOptions(options: unknown): SessionOptions {
  const out: SessionOptions = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) return out;
  const o = options as Record<string, unknown>;
  const inter = o.inter_op_num_threads;
  if (typeof inter === "number" && inter) out.interOpNumThreads = inter;
  const intra = o.intra_op_num_threads;
  if (typeof intra === "number" && intra) out.intraOpNumThreads = intra;
  const mode = o.execution_mode;
  if (typeof mode === "string" && mode) {
    if (mode.toUpperCase() === "SEQUENTIAL") out.executionMode = "sequential";
    else if (mode.toUpperCase() === "PARALLEL") out.executionMode = "parallel";
  }
  const level = o.graph_optimization_level;
  if (level !== undefined && level !== null && level !== 0) {
    const mapped = typeof level === "number" ? OPTIMIZATION_LEVELS[level] : undefined;
    if (mapped === undefined) {
      throw MlflowException.invalidParameter(
        `onnx_session_options.graph_optimization_level must be one of 0, 1, 2, 3, 99; got ${JSON.stringify(level)}.`,
      );
    }
    out.graphOptimizationLevel = mapped;
  }
  const extra = o.extra_session_config;
  if (typeof extra === "object" && extra !== null && !Array.isArray(extra) && Object.keys(extra).length > 0) {
    // the Node binding takes session config entries as flat "key": "string value" pairs
    const entries: Record<string, string> = {};
    for (const [key, value] of Object.entries(extra as Record<string, unknown>)) entries[key] = String(value);
    out.extra = entries;
  }
  return out;
}

/** Attributes of Python's `onnxruntime.SessionOptions` (what MLflow's save-time validation accepts as keys). */
const PYTHON_SESSION_OPTION_KEYS = new Set([
  "enable_cpu_mem_arena",
  "enable_mem_pattern",
  "enable_mem_reuse",
  "enable_profiling",
  "execution_mode",
  "execution_order",
  "graph_optimization_level",
  "inter_op_num_threads",
  "intra_op_num_threads",
  "log_severity_level",
  "log_verbosity_level",
  "logid",
  "optimized_model_filepath",
  "profile_file_prefix",
  "use_deterministic_compute",
  "extra_session_config",
]);

/**
 * MLflow's `_validate_onnx_session_options` (run by `mlflow.onnx.save_model`): a mapping whose keys are
 * onnxruntime SessionOptions attributes, `extra_session_config` a mapping, `execution_mode`
 * parallel/sequential, `graph_optimization_level` one of 0, 1, 2, 99, thread counts >= 0.
 */
export function validateSessionOptions(options: unknown): void {
  if (options === null || options === undefined) return;
  const bad = (m: string) => MlflowException.invalidParameter(m);
  if (typeof options !== "object" || Array.isArray(options)) {
    throw bad(
      `Argument onnx_session_options should be a dict, not ${Array.isArray(options) ? "list" : typeof options}`,
    );
  }
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (!PYTHON_SESSION_OPTION_KEYS.has(key)) {
      throw bad(`Key ${key} in onnx_session_options is not a valid ONNX Runtime session options key`);
    }
    if (
      key === "extra_session_config" &&
      (typeof value !== "object" || value === null || Array.isArray(value))
    ) {
      throw bad(`Value for key ${key} in onnx_session_options should be a dict`);
    }
    if (key === "execution_mode" && !(typeof value === "string" && /^(parallel|sequential)$/i.test(value))) {
      throw bad(
        `Value for key ${key} in onnx_session_options should be 'parallel' or 'sequential', not ${String(value)}`,
      );
    }
    if (key === "graph_optimization_level" && ![0, 1, 2, 99].includes(value as number)) {
      throw bad(
        `Value for key ${key} in onnx_session_options should be 0, 1, 2, or 99, not ${String(value)}`,
      );
    }
    if (
      (key === "intra_op_num_threads" || key === "inter_op_num_threads") &&
      !(typeof value === "number" && Number.isInteger(value) && value >= 0)
    ) {
      throw bad(`Value for key ${key} in onnx_session_options should be >= 0, not ${String(value)}`);
    }
  }
}

export interface CreateSessionOptions {
  /** MLflow `providers` list (Python names) or onnxruntime-node names; default MLflow's default list. */
  providers?: unknown;
  /** MLflow `onnx_session_options` map. */
  onnxSessionOptions?: unknown;
  warn?: (message: string) => void;
}

/**
 * Create one InferenceSession from a model FILE PATH, so a sidecar `<uuid>.data` file with external
 * weights resolves relative to the model. Falls back to cpu only if a non-cpu provider fails to initialise.
 */
export async function createSession(
  modelPath: string,
  options: CreateSessionOptions = {},
): Promise<InferenceSession> {
  const warn = options.warn ?? (() => {});
  const sessionOptions = mapSessionOptions(options.onnxSessionOptions);
  const providers = mapProviders(options.providers, warn);
  try {
    return await ort.InferenceSession.create(modelPath, { ...sessionOptions, executionProviders: providers });
  } catch (err) {
    if (providers.length > 1) {
      try {
        const session = await ort.InferenceSession.create(modelPath, {
          ...sessionOptions,
          executionProviders: ["cpu"],
        });
        warn(
          `Could not create the ONNX session with providers ${JSON.stringify(providers)} (${errorText(err)}); fell back to cpu.`,
        );
        return session;
      } catch {
        // report the first error below
      }
    }
    throw new MlflowException(
      `Failed to load ONNX model '${modelPath}': ${errorText(err)}`,
      "INVALID_STATE",
      {
        cause: err,
      },
    );
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
