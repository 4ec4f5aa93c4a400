import Module from "node:module";
import { MlflowException } from "@pyfunc/core";
import { afterEach, describe, expect, it } from "vitest";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };
const realLoad = loader._load;
afterEach(() => {
  loader._load = realLoad;
});

describe("onnxruntime-node whose native binding cannot load", () => {
  it("fails importing the flavor with an MlflowException that names ONNXRUNTIME_NODE_INSTALL=skip", async () => {
    // what Node reports when the install left no usable libonnxruntime next to the binding
    loader._load = (request, parent, isMain) => {
      if (request === "onnxruntime-node") {
        throw new Error("libonnxruntime.so.1: cannot open shared object file: No such file or directory");
      }
      return realLoad(request, parent, isMain);
    };
    const error = await import("./runtime-check.js").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorClass).toBe("ONNXRUNTIME_UNAVAILABLE");
    expect((error as MlflowException).message).toContain(
      "libonnxruntime.so.1: cannot open shared object file",
    );
    expect((error as MlflowException).message).toContain("ONNXRUNTIME_NODE_INSTALL=skip");
  });
});
