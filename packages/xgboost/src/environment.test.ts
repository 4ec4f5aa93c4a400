import { describe, expect, it } from "vitest";
import { getDefaultCondaEnv, getDefaultPipRequirements } from "./index.js";

describe("mlflow.xgboost environment functions", () => {
  it("pin xgboost in the pip section of the default conda env, after mlflow", () => {
    expect(getDefaultPipRequirements("2.1.3")).toEqual(["xgboost==2.1.3"]);
    const env = getDefaultCondaEnv("2.1.3");
    const pip = (env.dependencies as unknown[]).at(-1) as { pip: string[] };
    expect(pip.pip.slice(1)).toEqual(["xgboost==2.1.3"]);
    expect(pip.pip[0]).toMatch(/^mlflow==/);
  });
});
