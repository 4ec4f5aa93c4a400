import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeProcessedPythonEnv } from "@pyfunc/core/environment";
import { afterAll, describe, expect, it } from "vitest";
import { getDefaultCondaEnv, getDefaultPipRequirements, saveModel } from "./index.js";

const SOURCE = fileURLToPath(new URL("../fixtures/external-data/model.onnx", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "pyfunc-onnx-env-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const conda = (dir: string) => readFileSync(join(dir, "conda.yaml"), "utf8");
/** conda.yaml as core writes a given env object. */
async function condaText(env: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(root, "expected-"));
  await writeProcessedPythonEnv(dir, { condaEnv: env, pipRequirements: [], constraints: [] });
  return conda(dir);
}

describe("mlflow.onnx environment functions", () => {
  it("getDefaultCondaEnv is the conda.yaml saveModel writes without env options", async () => {
    const dir = join(root, "default");
    await saveModel(dir, { onnxModel: SOURCE });
    expect(conda(dir)).toBe(await condaText(getDefaultCondaEnv()));
    const reqs = readFileSync(join(dir, "requirements.txt"), "utf8").split("\n");
    expect(reqs.slice(1)).toEqual(getDefaultPipRequirements());
    expect(getDefaultPipRequirements("1.16.1")[0]).toBe("onnx==1.16.1");
  });

  it("extraPipRequirements extends the defaults; a condaEnv replaces them; both at once are refused", async () => {
    const extra = join(root, "extra");
    await saveModel(extra, { onnxModel: SOURCE, extraPipRequirements: ["numpy<2"] });
    const reqs = readFileSync(join(extra, "requirements.txt"), "utf8").split("\n");
    expect(reqs.slice(1)).toEqual([...getDefaultPipRequirements(), "numpy<2"]);
    const custom = join(root, "conda");
    await saveModel(custom, { onnxModel: SOURCE, condaEnv: { dependencies: [{ pip: ["onnxruntime"] }] } });
    expect(readFileSync(join(custom, "requirements.txt"), "utf8")).toMatch(/^mlflow==[\d.]+\nonnxruntime$/);
    await expect(
      saveModel(join(root, "both"), { onnxModel: SOURCE, condaEnv: {}, extraPipRequirements: ["x"] }),
    ).rejects.toThrow(
      "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be specified",
    );
  });
});
