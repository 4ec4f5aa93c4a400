import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { flavorBoundaryViolations, importedFlavors } from "./flavor-boundaries.js";
import { repoRoot } from "./repo-root.js";

const scratch = mkdtempSync(join(tmpdir(), "pyfunc-flavor-boundaries-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

describe("flavor boundaries", () => {
  it("hold in this repository: no flavor depends on another, apps import no flavor", () => {
    expect(flavorBoundaryViolations(repoRoot)).toEqual([]);
  });

  it("catch a flavor package depending on or importing another flavor, and an app importing one", () => {
    const root = join(scratch, "bad");
    write(
      root,
      "packages/lookup/package.json",
      JSON.stringify({
        name: "@pyfunc/sklearn",
        dependencies: { "@pyfunc/function": "workspace:^", "@pyfunc/forest": "workspace:^" },
      }),
    );
    write(
      root,
      "packages/lookup/src/index.ts",
      'import { stageModelCode } from "@pyfunc/function";\nimport { Forest } from "@pyfunc/forest";\nimport { x } from "@pyfunc/sklearn";\n',
    );
    write(
      root,
      "apps/server/src/app.ts",
      'import "@pyfunc/onnx";\nconst m = await import("@pyfunc/xgboost/flavor");\n',
    );
    write(root, "apps/server/src/app.test.ts", 'import { saveModel } from "@pyfunc/function";\n');
    write(root, "apps/examples/src/demo.ts", 'import "@pyfunc/xgboost";\n');
    expect(flavorBoundaryViolations(root).sort()).toEqual([
      "apps/server/src/app.ts: imports the flavor @pyfunc/onnx (apps find flavors through core's discovery)",
      "apps/server/src/app.ts: imports the flavor @pyfunc/xgboost (apps find flavors through core's discovery)",
      "packages/lookup/package.json: dependencies names the flavor @pyfunc/function",
      "packages/lookup/src/index.ts: imports the flavor @pyfunc/function",
    ]);
  });

  it("recognises every import form and ignores names that are not flavors", () => {
    expect(
      importedFlavors(
        'export { a } from "@pyfunc/tfjs";\nrequire("@pyfunc/lightgbm");\nimport type { B } from "@pyfunc/custom-class";\nimport "@pyfunc/core";\nconst s = "@pyfunc/onnx";\n',
      ).sort(),
    ).toEqual(["@pyfunc/custom-class", "@pyfunc/lightgbm", "@pyfunc/tfjs"]);
  });
});
