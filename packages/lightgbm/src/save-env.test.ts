import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { getDefaultCondaEnv, getDefaultPipRequirements, saveModel } from "./index.js";

const model = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/binary/model.txt");
const tmp = mkdtempSync(join(tmpdir(), "pyfunc-lgb-env-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
/** The pip list of conda.yaml (the `- pip:` block's items, in order). */
const condaPip = (dir: string) => {
  const text = readFileSync(join(dir, "conda.yaml"), "utf8");
  const block = text.slice(text.indexOf("- pip:") + "- pip:".length);
  return [...block.matchAll(/^\s+- (.+)$/gm)].map((m) => (m[1] as string).replace(/^'(.*)'$/, "$1"));
};

describe("mlflow.lightgbm.save_model's environment arguments", () => {
  // what an MLflow user keeps next to the training code: a requirements file that includes another one and a
  // constraints file
  const reqDir = join(tmp, "reqs");
  mkdirSync(reqDir);
  writeFileSync(join(reqDir, "base.txt"), "pandas\n");
  writeFileSync(join(reqDir, "constraints-in.txt"), "numpy<2\n");
  writeFileSync(join(reqDir, "extra.txt"), "-r base.txt\nscikit-learn==1.4.2\n-c constraints-in.txt\n");

  it("extraPipRequirements as a requirements file path: added after the lightgbm pin, -c to constraints.txt", async () => {
    const dir = join(tmp, "extra-file");
    await saveModel(dir, { model, extraPipRequirements: join(reqDir, "extra.txt") });
    const reqs = lines(join(dir, "requirements.txt"));
    expect(reqs[0]).toMatch(/^mlflow==/);
    expect(reqs.slice(1)).toEqual(["lightgbm==4.6.0", "pandas", "scikit-learn==1.4.2", "-c constraints.txt"]);
    expect(lines(join(dir, "constraints.txt"))).toEqual(["numpy<2"]);
    expect(condaPip(dir)).toEqual(reqs);
  });

  it("a relative requirements file path resolves against cwd", async () => {
    const dir = join(tmp, "extra-relative");
    await saveModel(dir, { model, extraPipRequirements: "base.txt", cwd: reqDir });
    expect(lines(join(dir, "requirements.txt")).slice(1)).toEqual(["lightgbm==4.6.0", "pandas"]);
  });

  it("pipRequirements replaces the defaults; condaEnv gives the whole environment", async () => {
    const dir = join(tmp, "pip");
    await saveModel(dir, { model, pipRequirements: ["lightgbm==4.5.0", "scipy"] });
    expect(lines(join(dir, "requirements.txt")).slice(1)).toEqual(["lightgbm==4.5.0", "scipy"]);

    const condaDir = join(tmp, "conda");
    await saveModel(condaDir, {
      model,
      condaEnv: {
        name: "mlflow-env",
        channels: ["conda-forge"],
        dependencies: ["python=3.10", { pip: ["lightgbm==4.3.0"] }],
      },
    });
    expect(condaPip(condaDir).slice(1)).toEqual(["lightgbm==4.3.0"]);
    expect(lines(join(condaDir, "requirements.txt")).slice(1)).toEqual(["lightgbm==4.3.0"]);
  });

  it("refuses two environment arguments at once, as MLflow's _validate_env_arguments", async () => {
    await expect(
      saveModel(join(tmp, "both"), { model, pipRequirements: ["a"], extraPipRequirements: ["b"] }),
    ).rejects.toMatchObject({ name: "MlflowException", errorCode: "INVALID_PARAMETER_VALUE" });
  });
});

describe("mlflow.lightgbm environment functions", () => {
  it("pin lightgbm (and, for pickled scikit-learn models, cloudpickle and scikit-learn) after mlflow", async () => {
    expect(getDefaultPipRequirements()).toEqual(["lightgbm==4.6.0"]);
    expect(getDefaultPipRequirements("4.5.0", true)).toEqual([
      "lightgbm==4.5.0",
      "cloudpickle",
      "scikit-learn",
    ]);
    const pip = (getDefaultCondaEnv("4.5.0").dependencies as unknown[]).at(-1) as { pip: string[] };
    expect(pip.pip[0]).toMatch(/^mlflow==/);
    expect(pip.pip.slice(1)).toEqual(["lightgbm==4.5.0"]);
    // what saveModel writes without environment arguments is the default environment
    const dir = join(tmp, "default-env");
    await saveModel(dir, { model, lgbVersion: "4.5.0" });
    expect(condaPip(dir)).toEqual(pip.pip);
  });
});
