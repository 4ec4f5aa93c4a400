import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";

/** The errorClass of every "leaves the model directory" refusal. */
export const PATH_OUTSIDE_MODEL_DIR = "PATH_OUTSIDE_MODEL_DIR";
const OUTSIDE = { errorClass: PATH_OUTSIDE_MODEL_DIR };

/** Lexical containment of two absolute, normalised paths (the realpath step is resolveInsideModelDir's). */
function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Realpath of the longest existing prefix of `p`, with the missing tail appended. */
function realpathOfExistingPrefix(p: string): string {
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = realpathSync(current);
      return missing.length === 0 ? real : path.join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      const parent = path.dirname(current);
      if (parent === current) return p;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolve `relative` (a path read from an MLmodel file) against `modelDir` and make sure the result stays
 * inside the model directory: absolute paths, `..` segments leading out and symlinks pointing outside are
 * refused with an MlflowException (INVALID_PARAMETER_VALUE). The target need not exist.
 * `what` names the field in the error message (e.g. "data", "code", "artifacts.vocab").
 */
export function resolveInsideModelDir(modelDir: string, relative: string, what = "path"): string {
  if (typeof relative !== "string" || relative.length === 0) {
    throw MlflowException.invalidParameter(`The model's ${what} must be a non-empty relative path`);
  }
  if (relative.includes("\0")) {
    throw MlflowException.invalidParameter(`The model's ${what} contains a NUL byte`);
  }
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw MlflowException.invalidParameter(
      `The model's ${what} '${relative}' is an absolute path; paths in MLmodel must be relative to the model directory`,
      OUTSIDE,
    );
  }
  const root = path.resolve(modelDir);
  const joined = path.resolve(root, relative);
  if (!isInside(root, joined)) {
    throw MlflowException.invalidParameter(
      `The model's ${what} '${relative}' resolves outside the model directory '${root}'`,
      OUTSIDE,
    );
  }
  const realRoot = realpathOfExistingPrefix(root);
  const realTarget = realpathOfExistingPrefix(joined);
  if (!isInside(realRoot, realTarget)) {
    throw MlflowException.invalidParameter(
      `The model's ${what} '${relative}' leads outside the model directory '${root}' through a symbolic link`,
      OUTSIDE,
    );
  }
  refuseSpecialFile(realTarget, `The model's ${what} '${relative}'`);
  return joined;
}

/**
 * Refuse a FIFO, socket or device before anything opens it: opening a FIFO for reading blocks until a writer
 * comes, and a device can be endless. `stat` itself never blocks on them. Missing paths pass (callers report them).
 */
export function refuseSpecialFile(file: string, what: string): void {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(file);
  } catch {
    return;
  }
  if (!info.isFile() && !info.isDirectory()) {
    const kind = info.isFIFO()
      ? "a FIFO"
      : info.isSocket()
        ? "a socket"
        : info.isCharacterDevice() || info.isBlockDevice()
          ? "a device"
          : "not a regular file";
    throw MlflowException.invalidParameter(
      `${what} is ${kind}; only regular files and directories are read`,
      {
        errorClass: "NOT_A_REGULAR_FILE",
      },
    );
  }
}

/** True when `relative` would be accepted by resolveInsideModelDir. */
export function isInsideModelDir(modelDir: string, relative: string): boolean {
  try {
    resolveInsideModelDir(modelDir, relative);
    return true;
  } catch {
    return false;
  }
}
