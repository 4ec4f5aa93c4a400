export * from "./convert.js";
export * from "./csv-fast-parser.js";
export * from "./dataframe.js";
export * from "./dtype.js";
export * from "./model-input.js";
export * from "./split-parser.js";
export * from "./tensor.js";
