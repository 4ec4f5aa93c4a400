// @pyfunc/core/model-code: models from code (MLflow's "models from code", kept in pyfunc core as MLflow does):
// compiling the user's file into the model directory, and importing it back with package imports resolved from
// the loading application. Importing this module has no side effects; the resolve hook is registered on first use.
export { type BundleModelCodeOptions, type BundleModelCodeResult, bundleModelCode } from "./bundle.js";
export { modelCodeFileOf } from "./code-file.js";
export {
  type ExportingModule,
  notExportedError,
  type StageExportingModuleOptions,
  stageModuleExporting,
} from "./find-export.js";
export { ensureModelCodeHook, MODEL_CODE_MARKER } from "./hook.js";
export { defaultResolveBases, type ImportModelCodeOptions, importModelCode } from "./import.js";
export { type StagedModelCode, stageModelCode } from "./staging.js";
