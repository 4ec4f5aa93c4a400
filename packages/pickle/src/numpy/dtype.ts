import { malformed } from "../errors.js";

/** numpy's kind characters: bool, signed, unsigned, float, complex, unicode, bytes, void/structured, object, datetime, timedelta. */
export type DTypeKind = "b" | "i" | "u" | "f" | "c" | "U" | "S" | "V" | "O" | "M" | "m";
export type ByteOrder = "<" | ">" | "|";

export interface DTypeField {
  readonly dtype: DType;
  /** Byte offset of the field inside one element (fields may be unaligned: packed dtypes). */
  readonly offset: number;
}

/**
 * A numpy dtype. Built from `numpy.dtype(code, align, copy)` and then filled by its pickled state (BUILD),
 * or from an .npy header. Treat as read-only once a file is read.
 */
export class DType {
  kind: DTypeKind;
  /** Bytes per element (`elsize`); for `U` that is 4 per character. */
  itemsize: number;
  byteOrder: ByteOrder;
  /** Structured dtypes: field names in order, and each field's dtype and byte offset. */
  names: string[] | null = null;
  fields: Map<string, DTypeField> | null = null;
  /** A sub-array dtype (`(base, shape)`), as structured fields such as `('f', '<u4', (8,))` have. */
  subarray: { base: DType; shape: number[] } | null = null;
  /** Datetime / timedelta unit (`ns`, `D`, …) when known. */
  unit: string | undefined = undefined;

  constructor(kind: DTypeKind, itemsize: number, byteOrder: ByteOrder) {
    this.kind = kind;
    this.itemsize = itemsize;
    this.byteOrder = byteOrder;
  }

  /** `numpy.dtype(code)` for the codes pickles use: `f8`, `<i8`, `|b1`, `O8`, `U5`, `V56`, `M8[ns]`, `?`. */
  static fromCode(code: string): DType {
    const m = /^([<>|=]?)([biufcOUSVMma?])(\d*)(?:\[(\w+)\])?$/.exec(code);
    if (m === null) throw malformed(`unsupported numpy dtype code ${JSON.stringify(code.slice(0, 40))}`);
    const [, order = "", rawKind = "", size = "", unit] = m;
    const kind = rawKind === "?" ? "b" : rawKind === "a" ? "S" : rawKind;
    let n = size === "" ? -1 : Number(size);
    if (kind === "b" && n === -1) n = 1;
    if (kind === "O" && n === -1) n = 8;
    if (kind === "U") n = n === -1 ? 0 : n * 4;
    if (kind === "S" || kind === "V") n = n === -1 ? 0 : n;
    if (n === -1) throw malformed(`numpy dtype code ${JSON.stringify(code)} has no size`);
    if (!Number.isSafeInteger(n) || n > 2 ** 31) throw malformed(`numpy dtype ${code}: bad size`);
    const numericSizes: Record<string, number[]> = {
      b: [1],
      i: [1, 2, 4, 8],
      u: [1, 2, 4, 8],
      f: [2, 4, 8],
      c: [8, 16],
      O: [4, 8],
      M: [8],
      m: [8],
    };
    const allowed = numericSizes[kind];
    if (allowed !== undefined && !allowed.includes(n)) {
      throw malformed(`unsupported numpy dtype ${code} (${kind}${n})`);
    }
    const dt = new DType(kind as DTypeKind, n, "|");
    dt.byteOrder = n === 1 || kind === "O" || kind === "S" || kind === "V" ? "|" : order === ">" ? ">" : "<";
    if (unit !== undefined) dt.unit = unit;
    return dt;
  }

  get isStructured(): boolean {
    return this.fields !== null;
  }

  /** numpy's `dtype.str`: `<f8`, `|b1`, `<U5`, `|V56`, `|O`. */
  get str(): string {
    if (this.kind === "O") return "|O";
    const size = this.kind === "U" ? this.itemsize / 4 : this.itemsize;
    const unit = this.unit !== undefined ? `[${this.unit}]` : "";
    return `${this.byteOrder}${this.kind}${size}${unit}`;
  }

  /** Name numpy prints: float64, int64, bool, object, <U5, … (the same as `str(dtype)`). */
  get name(): string {
    const bits = this.itemsize * 8;
    switch (this.kind) {
      case "b":
        return "bool";
      case "i":
        return `int${bits}`;
      case "u":
        return `uint${bits}`;
      case "f":
        return `float${bits}`;
      case "c":
        return `complex${bits}`;
      case "O":
        return "object";
      case "M":
        return this.unit ? `datetime64[${this.unit}]` : "datetime64";
      case "m":
        return this.unit ? `timedelta64[${this.unit}]` : "timedelta64";
      case "U":
        return `<U${this.itemsize / 4}`;
      case "S":
        return `|S${this.itemsize}`;
      default:
        return this.isStructured ? `structured(${this.names?.join(",")})` : `|V${this.itemsize}`;
    }
  }

  toString(): string {
    return this.name;
  }
}
