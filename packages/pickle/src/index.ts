export {
  Allowlist,
  type CallContext,
  type ClassHandler,
  inertRecord,
  type Refusal,
  type RefusalDescriber,
} from "./allowlist.js";
export { builtinsAllowlist } from "./builtins.js";
export { isPickleError, PickleError, type PickleErrorKind, type PickleErrorOptions } from "./errors.js";
export { Budget, DEFAULT_LIMITS, type Limits } from "./limits.js";
export { type ByteOrder, DType, type DTypeField, type DTypeKind } from "./numpy/dtype.js";
export { numpyAllowlist, scalarTypeCode } from "./numpy/handlers.js";
export { NdArray, type NdData, type NumericArray } from "./numpy/ndarray.js";
export { dtypeFromDescr, type NpyFile, readNpy } from "./numpy/npy.js";
export { SparseMatrix, scipyAllowlist } from "./scipy.js";
export { type ReadSkopsOptions, readSkops } from "./skops/reader.js";
export { standardAllowlist } from "./standard.js";
export { type ReadPickleOptions, readPickle } from "./unpickler.js";
export {
  type CallKind,
  isDict,
  isList,
  isTuple,
  type PyDict,
  PyFrozenSet,
  PyGlobal,
  PyObject,
  PySlice,
  type PyTuple,
  type PyValue,
  tuple,
} from "./values.js";
