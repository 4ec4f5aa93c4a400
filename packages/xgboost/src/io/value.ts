/** A decoded JSON/UBJSON value. Typed UBJSON arrays stay typed arrays. */
export type DocValue =
  | null
  | boolean
  | number
  | string
  | DocValue[]
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | DocObject;

export interface DocObject {
  [key: string]: DocValue;
}
