/** gblinear: margin = f32(bias + base), then += f32(x * w) over present features, column order. */
export function linearKernel(
  W: Float32Array,
  numFeature: number,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  out: Float32Array,
  nGroups: number,
  base: Float32Array,
): void {
  const fr = Math.fround;
  const biasOff = numFeature * nGroups;
  for (let r = rowStart; r < rowEnd; r++) {
    const xo = r * nCols;
    for (let g = 0; g < nGroups; g++) {
      let psum = fr(W[biasOff + g]! + base[g]!);
      for (let f = 0; f < numFeature; f++) {
        const x = X[xo + f]!;
        if (!Number.isNaN(x)) psum = fr(psum + fr(x * W[f * nGroups + g]!));
      }
      out[r * nGroups + g] = psum;
    }
  }
}
