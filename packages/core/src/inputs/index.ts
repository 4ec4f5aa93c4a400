// @pyfunc/core/inputs: the data layer: DataFrame, Tensor, numpy dtypes and the conversions between them.
export * from "./arrow.js";
export * from "./convert.js";
export * from "./dataframe.js";
export * from "./dtype.js";
export * from "./model-input.js";
export * from "./tensor.js";
