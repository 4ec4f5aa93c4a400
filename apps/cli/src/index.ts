export { collectInfo, type InfoOptions, type ModelInfo, renderInfo, runInfo } from "./commands/info.js";
export { type InputFormat, inputFormat, type PredictOptions, runPredict } from "./commands/predict.js";
export { runServe, type ServeOptions } from "./commands/serve.js";
export { runValidate, type ValidateOptions } from "./commands/validate.js";
export { CliError } from "./errors.js";
export { EXIT_CODE_HELP, EXIT_CODES, type ExitCode, type ExitCodeName } from "./exit-codes.js";
export { type Chunk, type Chunker, CsvChunker, JsonLinesChunker } from "./predict/chunker.js";
export { cliVersion, createProgram, main } from "./program.js";
