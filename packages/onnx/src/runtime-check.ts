/**
 * Imported (for its effect) before onnxruntime-node in this package: requires it inside a try, synchronously so that
 * it runs before any sibling import evaluates it, so that a native binding that cannot load fails with what to do
 * instead of a bare dlopen error. Node caches the module: the later `import ort from "onnxruntime-node"` reuses it.
 */
import { createRequire } from "node:module";
import { MlflowException } from "@pyfunc/core";

try {
  createRequire(import.meta.url)("onnxruntime-node");
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  throw new MlflowException(
    `onnxruntime-node could not load its native binding (${reason}). Reinstall it; if its install script failed ` +
      "(it downloads CUDA libraries, e.g. getaddrinfo ENOTFOUND without network access), reinstall with " +
      "ONNXRUNTIME_NODE_INSTALL=skip: the CPU binaries @pyfunc/onnx uses ship inside the package.",
    "INTERNAL_ERROR",
    { cause: error, errorClass: "ONNXRUNTIME_UNAVAILABLE" },
  );
}
