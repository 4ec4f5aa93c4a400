import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MlflowException, type Tensor } from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  defaultResolver,
  detectTfjsNode,
  parseBackendChoice,
  TFJS_NODE_PACKAGE,
  useBackend,
  wasmDistDir,
} from "./backend.js";
import { loadTfjsModel } from "./plugin.js";
import { FIXTURES_DIR } from "./test-support/fixtures.js";

/**
 * A stand-in for @tensorflow/tfjs-node (which cannot be installed here: its install downloads libtensorflow).
 * Like the real package, importing it registers a "tensorflow" backend; here the backend is a CPU backend
 * with the CPU kernels, handed over through a global hook the test installs.
 */
const FAKE_TFJS_NODE = `globalThis.__pyfuncFakeTfjsNode?.();\nexport const version = "fake";\n`;
const BROKEN_TFJS_NODE = `throw new Error("libtensorflow.so: cannot open shared object file");\n`;
const INERT_TFJS_NODE = `export const version = "registers nothing";\n`;

let tmp: string;
const files: Record<string, string> = {};
const hooks = globalThis as { __pyfuncFakeTfjsNode?: () => void };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-backend-"));
  for (const [name, code] of Object.entries({
    fake: FAKE_TFJS_NODE,
    broken: BROKEN_TFJS_NODE,
    inert: INERT_TFJS_NODE,
  })) {
    const dir = path.join(tmp, name, "node_modules", "@tensorflow", "tfjs-node", "dist");
    await mkdir(dir, { recursive: true });
    files[name] = path.join(dir, "index.mjs");
    await writeFile(files[name]!, code);
  }
  hooks.__pyfuncFakeTfjsNode = () => {
    const cpu = tf.findBackend("cpu") ?? tf.engine().findBackend("cpu");
    const Backend = (cpu as object).constructor as new () => tf.KernelBackend;
    tf.registerBackend("tensorflow", () => new Backend(), 3);
    for (const kernel of tf.getKernelsForBackend("cpu"))
      tf.registerKernel({ ...kernel, backendName: "tensorflow" });
  };
});

afterEach(async () => {
  if (tf.findBackendFactory("tensorflow")) {
    await tf.setBackend("cpu");
    tf.removeBackend("tensorflow");
    for (const kernel of tf.getKernelsForBackend("tensorflow"))
      tf.unregisterKernel(kernel.kernelName, "tensorflow");
  }
});

afterAll(async () => {
  delete hooks.__pyfuncFakeTfjsNode;
  await rm(tmp, { recursive: true, force: true });
});

const resolverFor =
  (name: string | undefined) =>
  (specifier: string): string | undefined =>
    specifier === TFJS_NODE_PACKAGE && name !== undefined ? files[name] : undefined;

describe("tfjs-node detection", () => {
  it("finds nothing when the resolver cannot resolve the package, and uses cpu", async () => {
    expect(detectTfjsNode(resolverFor(undefined))).toBeUndefined();
    expect(await useBackend({ backend: "auto", resolve: resolverFor(undefined) })).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });

  it("imports an installed tfjs-node and switches to its 'tensorflow' backend", async () => {
    expect(detectTfjsNode(resolverFor("fake"))).toBe(files.fake);
    expect(await useBackend({ backend: "auto", resolve: resolverFor("fake") })).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    const model = await loadTfjsModel(path.join(FIXTURES_DIR, "dense-classifier"), {
      resolve: resolverFor("fake"),
    });
    try {
      expect(model.backend).toBe("tensorflow");
      const out = (await model.predict({
        dtype: "float32",
        shape: [1, 8],
        data: new Float32Array(8),
      })) as Tensor;
      expect(out.shape).toEqual([1, 3]);
    } finally {
      model.close();
    }
  });

  it("warns and falls back to cpu when tfjs-node is installed but fails to load", async () => {
    const warnings: string[] = [];
    const backend = await useBackend({ resolve: resolverFor("broken"), warn: (m) => warnings.push(m) });
    expect(backend).toBe("cpu");
    expect(warnings.join()).toMatch(/could not be loaded \(libtensorflow/);
  });

  it("warns and falls back to cpu when tfjs-node registers no backend with this tfjs", async () => {
    const warnings: string[] = [];
    expect(await useBackend({ resolve: resolverFor("inert"), warn: (m) => warnings.push(m) })).toBe("cpu");
    expect(warnings.join()).toMatch(/registered no 'tensorflow' backend/);
  });

  it("asks for the package when the tensorflow backend is requested but not installed", async () => {
    const err = await useBackend({ backend: "tensorflow", resolve: resolverFor(undefined) }).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/install it/);
  });

  it("the default resolver resolves installed packages and not missing ones", () => {
    expect(defaultResolver("@tensorflow/tfjs")).toMatch(/tfjs/);
    expect(defaultResolver("@tensorflow/definitely-not-a-package")).toBeUndefined();
  });
});

describe("backend selection", () => {
  it("cpu is used when asked, even after the wasm backend was registered", async () => {
    expect(await useBackend({ backend: "wasm" })).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(await useBackend({ backend: "cpu" })).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });

  it("finds the wasm binaries in the installed package's dist folder", async () => {
    const { existsSync } = await import("node:fs");
    const dir = wasmDistDir();
    expect(path.basename(dir)).toBe("dist");
    expect(existsSync(path.join(dir, "tfjs-backend-wasm.wasm"))).toBe(true);
  });

  it.each([
    ["cpu", "cpu"],
    ["wasm", "wasm"],
    ["tfjs-node", "tensorflow"],
    ["", undefined],
    [undefined, undefined],
  ])("parses backend %s", (value, expected) => {
    expect(parseBackendChoice(value)).toBe(expected);
  });

  it("rejects an unknown backend name", () => {
    expect(() => parseBackendChoice("webgpu")).toThrow(MlflowException);
  });
});
