import { Allowlist, type ClassHandler } from "./allowlist.js";
import { malformed } from "./errors.js";
import type { Budget } from "./limits.js";
import { NdArray } from "./numpy/ndarray.js";
import { isTuple } from "./values.js";

/** A scipy.sparse CSR or CSC matrix: `indptr` over rows (CSR) or columns (CSC), `indices`, `data`. */
export class SparseMatrix {
  format: "csr" | "csc";
  shape: [number, number] = [0, 0];
  data: NdArray | undefined;
  indices: NdArray | undefined;
  indptr: NdArray | undefined;

  constructor(format: "csr" | "csc") {
    this.format = format;
  }

  /** Check the parts against each other (lengths, index ranges) as scipy's check_format does. */
  validate(budget?: Budget): this {
    const { data, indices, indptr } = this;
    if (!(data instanceof NdArray) || !(indices instanceof NdArray) || !(indptr instanceof NdArray)) {
      throw malformed(`${this.format}_matrix needs data, indices and indptr arrays`);
    }
    const [rows, cols] = this.shape;
    const major = this.format === "csr" ? rows : cols;
    const minor = this.format === "csr" ? cols : rows;
    if (indptr.size !== major + 1)
      throw malformed(`${this.format}_matrix indptr has ${indptr.size} entries, not ${major + 1}`);
    if (indices.size !== data.size)
      throw malformed(`${this.format}_matrix indices and data differ in length`);
    budget?.work(indptr.size + indices.size, `${this.format}_matrix check`);
    budget?.allocate(8 * (indptr.size + indices.size), `${this.format}_matrix check`);
    const ptr = indptr.numbers();
    if (ptr[0] !== 0 || ptr[major] !== indices.size)
      throw malformed(`${this.format}_matrix indptr does not span the data`);
    for (let i = 0; i < major; i++)
      if (ptr[i + 1]! < ptr[i]!) throw malformed(`${this.format}_matrix indptr decreases`);
    const idx = indices.numbers();
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i]!;
      if (!(j >= 0 && j < minor)) throw malformed(`${this.format}_matrix index ${j} out of range`);
    }
    return this;
  }
}

function dim(v: unknown): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw malformed("sparse matrix shape");
  return n;
}

function sparseHandler(format: "csr" | "csc"): ClassHandler<SparseMatrix> {
  return {
    create: () => new SparseMatrix(format),
    setState(m, state, ctx) {
      if (!(state instanceof Map)) throw malformed(`${format}_matrix state must be a dict`);
      const shape = state.get("_shape");
      if (!isTuple(shape) || shape.length !== 2) throw malformed(`${format}_matrix _shape must be a pair`);
      m.shape = [dim(shape[0]), dim(shape[1])];
      for (const key of ["data", "indices", "indptr"] as const) {
        const v = state.get(key);
        if (!(v instanceof NdArray)) throw malformed(`${format}_matrix ${key} must be an ndarray`);
        m[key] = v;
      }
      m.validate(ctx.budget);
    },
  };
}

/** scipy.sparse CSR / CSC matrices and arrays, under the module paths scipy 1.x has used. */
export function scipyAllowlist(): Allowlist {
  const list = new Allowlist();
  for (const format of ["csr", "csc"] as const) {
    const h = sparseHandler(format);
    list.registerAll(
      [
        `scipy.sparse._${format}.${format}_matrix`,
        `scipy.sparse.${format}.${format}_matrix`,
        `scipy.sparse._${format}.${format}_array`,
        `scipy.sparse._arrays.${format}_array`,
      ],
      h,
    );
  }
  return list;
}
