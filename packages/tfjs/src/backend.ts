import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MlflowException } from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";

/** tfjs backends this package can select. "tensorflow" is the backend @tensorflow/tfjs-node registers. */
export type TfjsBackendName = "cpu" | "wasm" | "tensorflow";
/** "auto": @tensorflow/tfjs-node when it is installed, else cpu. */
export type BackendChoice = "auto" | TfjsBackendName;

/** Resolves a module specifier to a file path, or returns undefined when it is not installed. */
export type ModuleResolver = (specifier: string) => string | undefined;
/** Imports a resolved module file (dynamic `import()` by default). */
export type ModuleImporter = (resolvedPath: string) => Promise<unknown>;

export const TFJS_NODE_PACKAGE = "@tensorflow/tfjs-node";
export const TFJS_NODE_BACKEND = "tensorflow";
const WASM_PACKAGE = "@tensorflow/tfjs-backend-wasm";

export interface BackendOptions {
  /** Which backend to use (default "auto"). */
  backend?: BackendChoice;
  /** How to find @tensorflow/tfjs-node (default: Node resolution from this package, then from the cwd). */
  resolve?: ModuleResolver;
  /** How to load the resolved tfjs-node module (default: dynamic import). */
  importModule?: ModuleImporter;
  /** Folder holding the wasm backend's .wasm files (default: the dist/ folder of the installed package). */
  wasmPaths?: string;
  /** Called with a message when "auto" could not use tfjs-node. */
  warn?: (message: string) => void;
}

function tryResolve(require: NodeJS.Require, specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** Node's resolution, from this package first, then from the current working directory. */
export const defaultResolver: ModuleResolver = (specifier) =>
  tryResolve(createRequire(import.meta.url), specifier) ??
  tryResolve(createRequire(path.join(process.cwd(), "__pyfunc_tfjs_resolve__.js")), specifier);

const defaultImporter: ModuleImporter = (resolved) => import(pathToFileURL(resolved).href);

/** The resolved entry file of @tensorflow/tfjs-node, or undefined when it is not installed. */
export function detectTfjsNode(resolve: ModuleResolver = defaultResolver): string | undefined {
  return resolve(TFJS_NODE_PACKAGE);
}

/** Whether a backend with this name is registered with the tfjs engine this package uses. */
export function isBackendRegistered(name: string): boolean {
  return tf.findBackendFactory(name) !== null && tf.findBackendFactory(name) !== undefined;
}

/** The dist/ folder of the installed @tensorflow/tfjs-backend-wasm, where its .wasm binaries are. */
export function wasmDistDir(resolve: ModuleResolver = defaultResolver): string {
  const main = resolve(WASM_PACKAGE);
  if (main === undefined) {
    throw new MlflowException(
      `The wasm backend needs the package '${WASM_PACKAGE}'; install it.`,
      "INVALID_STATE",
    );
  }
  return path.dirname(main);
}

let wasmPathsSet: string | undefined;

async function prepareWasm(options: BackendOptions): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dir = options.wasmPaths ?? wasmDistDir(options.resolve);
  const prefix = dir.endsWith(path.sep) || dir.endsWith("/") ? dir : `${dir}${path.sep}`;
  if (wasmPathsSet === undefined) {
    wasm.setWasmPaths(prefix);
    wasmPathsSet = prefix;
  }
}

async function activate(name: TfjsBackendName): Promise<void> {
  if (tf.getBackend() === name && isBackendRegistered(name)) return;
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    throw new MlflowException(
      `Cannot start the tfjs '${name}' backend: ${(err as Error).message}`,
      "INVALID_STATE",
      {
        cause: err,
      },
    );
  }
  if (!ok) throw new MlflowException(`Cannot start the tfjs '${name}' backend.`, "INVALID_STATE");
}

/**
 * Load @tensorflow/tfjs-node if it is installed and it registered its backend with our tfjs engine.
 * Returns false (after a warning) when it is installed but unusable, false silently when absent.
 */
export async function tryTfjsNode(options: BackendOptions = {}): Promise<boolean> {
  if (isBackendRegistered(TFJS_NODE_BACKEND)) return true;
  const resolved = detectTfjsNode(options.resolve);
  if (resolved === undefined) return false;
  try {
    await (options.importModule ?? defaultImporter)(resolved);
  } catch (err) {
    options.warn?.(
      `${TFJS_NODE_PACKAGE} is installed but could not be loaded (${(err as Error).message}); using cpu.`,
    );
    return false;
  }
  if (!isBackendRegistered(TFJS_NODE_BACKEND)) {
    options.warn?.(
      `${TFJS_NODE_PACKAGE} was loaded but registered no '${TFJS_NODE_BACKEND}' backend with this copy of @tensorflow/tfjs (a different tfjs-core version?); using cpu.`,
    );
    return false;
  }
  return true;
}

/**
 * Select and start the tfjs backend (process-wide, as tfjs backends are). Returns the backend in use.
 * cpu by default; "wasm" loads its binaries from node_modules (no network); "auto" prefers tfjs-node.
 */
export async function useBackend(options: BackendOptions = {}): Promise<TfjsBackendName> {
  const choice = options.backend ?? "auto";
  switch (choice) {
    case "cpu":
      await activate("cpu");
      return "cpu";
    case "wasm":
      await prepareWasm(options);
      await activate("wasm");
      return "wasm";
    case "tensorflow":
      if (!(await tryTfjsNode(options))) {
        throw new MlflowException(
          `The '${TFJS_NODE_BACKEND}' backend needs the package '${TFJS_NODE_PACKAGE}'; install it.`,
          "INVALID_STATE",
        );
      }
      await activate(TFJS_NODE_BACKEND);
      return TFJS_NODE_BACKEND;
    case "auto":
      if (await tryTfjsNode(options)) {
        await activate(TFJS_NODE_BACKEND);
        return TFJS_NODE_BACKEND;
      }
      await activate("cpu");
      return "cpu";
    default:
      throw MlflowException.invalidParameter(
        `Unknown tfjs backend '${String(choice)}'; use one of auto, cpu, wasm, tensorflow.`,
      );
  }
}

/** Parse a backend name from model config or an environment variable. */
export function parseBackendChoice(value: unknown): BackendChoice | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "auto" || value === "cpu" || value === "wasm" || value === "tensorflow") return value;
  if (value === "node" || value === "tfjs-node") return "tensorflow";
  throw MlflowException.invalidParameter(
    `Unknown tfjs backend ${JSON.stringify(value)}; use one of auto, cpu, wasm, tensorflow.`,
  );
}
