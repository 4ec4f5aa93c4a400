import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { coreVersion, defaultFlavorRegistry, loadModel, type Tensor } from "@pyfunc/core";
import { assertCoreVersion } from "@pyfunc/core/flavor";
import { afterAll, describe, expect, it } from "vitest";
import flavor, {
  FLAVOR_NAME,
  linearTemplateFlavor,
  PACKAGE_NAME,
  PACKAGE_VERSION,
  saveModel,
} from "./index.js";

const packageJson = JSON.parse(
  readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"),
) as { name: string; version: string; pyfunc?: { flavor?: { loaderModules?: string[] } } };
const work = mkdtempSync(path.join(tmpdir(), "linear-template-plugin-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A `name: version` line of the YAML mapping, either side quoted or not. */
const entry = (name: string, version: string): RegExp => {
  const q = (s: string) => `['"]?${s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}['"]?`;
  return new RegExp(`^\\s+${q(name)}: ${q(version)}$`, "m");
};

describe("the plugin and the package agree", () => {
  it("the package name, version and flavor marker are the plugin's", () => {
    expect(PACKAGE_NAME).toBe(packageJson.name);
    expect(PACKAGE_VERSION).toBe(packageJson.version);
    expect(linearTemplateFlavor.packageName).toBe(packageJson.name);
    // core's discovery reads this marker to find the installed package that answers for a loader module
    const claimed = packageJson.pyfunc?.flavor?.loaderModules;
    expect(claimed).toBeDefined();
    expect(new Set([...claimed!, packageJson.name])).toEqual(
      new Set([...linearTemplateFlavor.loaderModules, PACKAGE_NAME]),
    );
  });

  it("is built for the installed @pyfunc/core (coreVersion)", () => {
    expect(() => assertCoreVersion(linearTemplateFlavor, coreVersion())).not.toThrow();
  });

  it("importing the package registers the flavor, so loadModel finds it without discovery", async () => {
    expect(flavor).toBe(linearTemplateFlavor);
    expect(defaultFlavorRegistry.resolve(PACKAGE_NAME)).toBe(linearTemplateFlavor);
    const dir = path.join(work, "registered");
    await saveModel(dir, { model: { coef: [[3]], intercept: [-1] }, inputExample: [{ x: 1.5 }] });
    const model = await loadModel(dir, { discover: false, suppressWarnings: true });
    try {
      expect(model.metadata.flavors[FLAVOR_NAME]).toBeDefined();
      const out = (await model.predict([{ x: 2.5 }])) as Tensor;
      expect(Array.from(out.data as Float64Array)).toEqual([3 * 2.5 - 1]);
    } finally {
      await model.close();
    }
  });

  it("records this package and @pyfunc/core with their versions in node_env.yaml", async () => {
    const dir = path.join(work, "env");
    await saveModel(dir, { model: { coef: [], intercept: [7] } });
    const env = readFileSync(path.join(dir, "node_env.yaml"), "utf8");
    expect(env).toMatch(entry(PACKAGE_NAME, packageJson.version));
    expect(env).toMatch(entry("@pyfunc/core", coreVersion()));
  });
});
