/** numpy dtype names, as MLflow's TensorSpec writes them. */
export type NumpyDType =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float16"
  | "float32"
  | "float64"
  | "str"
  | "bytes"
  | "object";

export type NumericTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export type BigIntTypedArray = BigInt64Array | BigUint64Array;

export type TypedArray = NumericTypedArray | BigIntTypedArray;

/**
 * The typed array that holds each numeric dtype. bool is a Uint8Array (0/1), as numpy stores it.
 * float16 is widened to Float32Array (no Float16Array on Node 20).
 */
export const TYPED_ARRAY_FOR_DTYPE = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float16: Float32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

export type NumericDType = keyof typeof TYPED_ARRAY_FOR_DTYPE;

export function isNumericDType(dtype: string): dtype is NumericDType {
  return Object.hasOwn(TYPED_ARRAY_FOR_DTYPE, dtype);
}

export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}
