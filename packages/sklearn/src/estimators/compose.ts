import { Estimator, toDense } from "../base.js";
import { badState, inputError } from "../errors.js";
import {
  type Csr,
  type Data,
  type Dense,
  dense,
  denseColumns,
  type Frame,
  type FrameColumn,
  hstackCsr,
  hstackDense,
} from "../matrix.js";
import { adaptArray, type NdArray, toNumber } from "../ndarray.js";
import { isDict, type State } from "../state.js";
import { type Ufunc, ufuncOf } from "./ufuncs.js";

/** A step that may be an estimator or the strings 'passthrough' / 'drop' / None. */
type Step = Estimator | "passthrough" | "drop" | null;

function stepOf(s: State, v: unknown, where: string): Step {
  if (v === null || v === "passthrough" || v === "drop") return v;
  return s.estOf<Estimator>(v, where);
}

/** The pieces of a tuple/list, checked for length. */
function tupleOf(s: State, v: unknown, n: number, where: string): unknown[] {
  if (!Array.isArray(v) || v.length !== n) throw badState(s.cls, `${where} should be a ${n}-tuple`);
  return v;
}

export function asFrame(x: Data): Frame {
  if (x.kind === "frame") return x;
  if (x.kind === "series")
    return { kind: "frame", rows: x.rows, names: x.name === null ? null : [x.name], columns: [x.column] };
  const m = x.kind === "dense" ? x : toDense(x);
  return { kind: "frame", rows: m.rows, names: null, columns: denseColumns(m) };
}

export class Pipeline extends Estimator {
  readonly steps: { name: string; step: Step }[];

  constructor(s: State) {
    super(s);
    this.steps = s.list("steps").map((t, i) => {
      const [name, est] = tupleOf(s, t, 2, `steps[${i}]`);
      return { name: String(name), step: stepOf(s, est, `steps[${i}]`) };
    });
    if (this.steps.length === 0) s.fail("no steps");
  }

  get final(): Step {
    return this.steps[this.steps.length - 1]!.step;
  }

  /** Every step but the last, applied in order (`pipeline[:-1].transform(X)`). */
  preprocess(x: Data): Data {
    let cur = x;
    for (let i = 0; i < this.steps.length - 1; i++) cur = applyTransform(this.steps[i]!.step, cur);
    return cur;
  }

  private finalEstimator(method: string): Estimator {
    const f = this.final;
    if (!(f instanceof Estimator) || typeof (f as unknown as Record<string, unknown>)[method] !== "function")
      throw inputError(`This 'Pipeline' has no attribute '${method}'`);
    return f;
  }

  override predict(x: Data) {
    return this.finalEstimator("predict").predict!(this.preprocess(x));
  }
  override predictProba(x: Data) {
    return this.finalEstimator("predictProba").predictProba!(this.preprocess(x));
  }
  override predictLogProba(x: Data) {
    return this.finalEstimator("predictLogProba").predictLogProba!(this.preprocess(x));
  }
  override predictJointLogProba(x: Data) {
    return this.finalEstimator("predictJointLogProba").predictJointLogProba!(this.preprocess(x));
  }
  override decisionFunction(x: Data) {
    return this.finalEstimator("decisionFunction").decisionFunction!(this.preprocess(x));
  }
  override scoreSamples(x: Data) {
    return this.finalEstimator("scoreSamples").scoreSamples!(this.preprocess(x));
  }
  override transform(x: Data) {
    return applyTransform(this.final, this.preprocess(x));
  }

  /** Which methods the pipeline really has (those of its final step), as `hasattr(pipeline, m)`. */
  override hasMethod(method: string): boolean {
    const f = this.final;
    if (method === "transform")
      return f === null || f === "passthrough" || (f instanceof Estimator && hasOwnMethod(f, "transform"));
    return f instanceof Estimator && hasOwnMethod(f, method);
  }
}

/** Whether an estimator implements a method (Pipeline answers for its final step). */
export function hasOwnMethod(e: Estimator, method: string): boolean {
  return e.hasMethod(method);
}

function applyTransform(step: Step, x: Data): Data {
  if (step === null || step === "passthrough") return x;
  if (step === "drop") throw inputError("'drop' is not a transformer");
  if (!hasOwnMethod(step, "transform")) throw inputError(`${step.shortName} has no transform method`);
  return step.transform!(x);
}

/** A column spec of ColumnTransformer as it was given: names, positions, a mask, a slice, or one scalar. */
interface ColumnSpec {
  scalar: boolean;
  names: string[] | null;
  positions: number[] | null;
}

function specOf(s: State, v: unknown, nIn: number, where: string): ColumnSpec {
  if (typeof v === "string") return { scalar: true, names: [v], positions: null };
  if (typeof v === "number" || typeof v === "bigint")
    return { scalar: true, names: null, positions: [toNumber(v)] };
  const arr = adaptArray(v);
  const items: unknown[] | null = Array.isArray(v) ? v : arr !== undefined ? Array.from(arr.data) : null;
  if (items !== null) {
    if (items.length === 0) return { scalar: false, names: [], positions: [] };
    if (items.every((i) => typeof i === "string"))
      return { scalar: false, names: items as string[], positions: null };
    if (items.every((i) => typeof i === "boolean") || arr?.dtype === "bool") {
      const pos: number[] = [];
      items.forEach((b, i) => {
        if (b === true || b === 1) pos.push(i);
      });
      return { scalar: false, names: null, positions: pos };
    }
    if (items.every((i) => typeof i === "number" || typeof i === "bigint"))
      return { scalar: false, names: null, positions: items.map((i) => toNumber(i)) };
  }
  const sl = v as { start?: unknown; stop?: unknown; step?: unknown } | null;
  if (sl !== null && typeof sl === "object" && "stop" in sl && "start" in sl) {
    if (typeof sl.start === "string" || typeof sl.stop === "string")
      throw badState(s.cls, `${where}: a slice of column names is not supported`);
    const step = sl.step === null ? 1 : toNumber(sl.step);
    const norm = (x: unknown, d: number) => {
      if (x === null) return d;
      const n = toNumber(x);
      return n < 0 ? Math.max(0, nIn + n) : Math.min(n, nIn);
    };
    const pos: number[] = [];
    if (step > 0) for (let i = norm(sl.start, 0); i < norm(sl.stop, nIn); i += step) pos.push(i);
    return { scalar: false, names: null, positions: pos };
  }
  throw badState(
    s.cls,
    `${where}: column selector ${typeof v === "object" && v !== null && "className" in v ? String((v as { className: string }).className) : typeof v} is not supported (a callable or make_column_selector)`,
  );
}

/** Name → position of a frame's columns (built once per transform call). */
function positionsOf(f: Frame): Map<string, number> | null {
  return f.names === null ? null : new Map(f.names.map((n, i) => [n, i]));
}

function selectColumns(
  f: Frame,
  pos: Map<string, number> | null,
  spec: ColumnSpec,
  forceNames: readonly string[] | null,
): Data {
  let idx: number[];
  const names = forceNames ?? spec.names;
  if (names !== null) {
    if (pos === null)
      throw inputError("Specifying the columns using strings is only supported for pandas DataFrames");
    idx = names.map((n) => {
      const p = pos.get(n);
      if (p === undefined) throw inputError(`columns are missing: {'${n}'}`);
      return p;
    });
  } else {
    idx = spec.positions!.map((p) => (p < 0 ? f.columns.length + p : p));
    for (const p of idx)
      if (p < 0 || p >= f.columns.length) throw inputError(`column index ${p} is out of bounds`);
  }
  if (spec.scalar)
    return {
      kind: "series",
      rows: f.rows,
      name: f.names ? f.names[idx[0]!]! : null,
      column: f.columns[idx[0]!]!,
    };
  return {
    kind: "frame",
    rows: f.rows,
    names: f.names ? idx.map((i) => f.names![i]!) : null,
    columns: idx.map((i) => f.columns[i]!),
  };
}

function scale(m: Dense | Csr, w: number): Dense | Csr {
  if (w === 1) return m;
  const data = m.data.map((v) => v * w);
  return m.kind === "dense" ? dense(m.rows, m.cols, data) : { ...m, data };
}

function weightsOf(s: State, key: string): Map<string, number> {
  const w = new Map<string, number>();
  const v = s.opt(key);
  if (v !== null && isDict(v)) {
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
    for (const [k, x] of entries) w.set(String(k), toNumber(x));
  }
  return w;
}

/** A transformer's output as a numeric block (np.hstack / sparse.hstack input). */
function numericBlock(out: Data): Dense | Csr {
  return out.kind === "csr" || out.kind === "dense" ? out : toDense(out);
}

export class ColumnTransformer extends Estimator {
  readonly parts: {
    name: string;
    step: Step;
    spec: ColumnSpec;
    inputIdx: number[] | null;
    /** the fitted column names of the part (feature_names_in_[_transformer_to_input_indices[name]]) */
    fitNames: string[] | null;
  }[];
  readonly sparseOutput: boolean;
  readonly weights: Map<string, number>;

  constructor(s: State) {
    super(s);
    const nIn = this.nFeaturesIn ?? 0;
    const toIdx = new Map<string, number[]>();
    const t2i = s.opt("_transformer_to_input_indices");
    if (t2i !== null && isDict(t2i)) {
      const entries = t2i instanceof Map ? [...t2i.entries()] : Object.entries(t2i);
      for (const [k, v] of entries) {
        const a = adaptArray(v);
        toIdx.set(
          String(k),
          a !== undefined ? Array.from(a.data, (e) => toNumber(e)) : Array.isArray(v) ? v.map(toNumber) : [],
        );
      }
    }
    this.parts = s.list("transformers_").map((t, i) => {
      const [name, est, cols] = tupleOf(s, t, 3, `transformers_[${i}]`);
      const n = String(name);
      // 'passthrough' stays a string here (the fitted identity FunctionTransformer changes nothing)
      const step = stepOf(s, est, `transformers_[${i}]`);
      const inputIdx = toIdx.get(n) ?? null;
      const fitNames = this.featureNamesIn;
      if (inputIdx?.some((j) => !Number.isInteger(j) || j < 0 || j >= nIn))
        s.fail(`_transformer_to_input_indices['${n}'] points outside the ${nIn} input features`);
      return {
        name: n,
        step,
        spec: specOf(s, cols, nIn, `transformers_[${i}]`),
        inputIdx,
        fitNames: fitNames !== null && inputIdx !== null ? inputIdx.map((j) => fitNames[j]!) : null,
      };
    });
    this.sparseOutput = s.bool("sparse_output_");
    this.weights = weightsOf(s, "transformer_weights");
  }

  override transform(x: Data): Data {
    const byName = this.featureNamesIn !== null && x.kind === "frame" && x.names !== null;
    const f = asFrame(x);
    const pos = positionsOf(f);
    if (byName) {
      const missing = new Set<string>();
      for (const p of this.parts) {
        if (p.step === "drop" || p.fitNames === null) continue;
        for (const n of p.fitNames) if (!pos!.has(n)) missing.add(n);
      }
      if (missing.size > 0)
        throw inputError(`columns are missing: {${[...missing].map((m) => `'${m}'`).join(", ")}}`);
    } else {
      const n = x.kind === "frame" ? x.columns.length : x.kind === "series" ? 1 : x.cols;
      if (this.nFeaturesIn !== null && n !== this.nFeaturesIn)
        throw inputError(
          `X has ${n} features, but ColumnTransformer is expecting ${this.nFeaturesIn} features as input.`,
        );
    }
    const blocks: (Dense | Csr)[] = [];
    for (const p of this.parts) {
      if (p.step === "drop") continue;
      const empty = (p.spec.names ?? p.spec.positions ?? []).length === 0;
      if (empty) continue;
      const sub = selectColumns(f, pos, p.spec, byName ? p.fitNames : null);
      const out = p.step === null || p.step === "passthrough" ? sub : p.step.transform!(sub);
      blocks.push(scale(numericBlock(out), this.weights.get(p.name) ?? 1));
    }
    if (blocks.length === 0) return dense(x.rows, 0);
    if (this.sparseOutput) return hstackCsr(blocks, x.rows);
    return hstackDense(
      blocks.map((b) => (b.kind === "dense" ? b : toDense(b))),
      x.rows,
    );
  }
}

export class FeatureUnion extends Estimator {
  readonly parts: { name: string; step: Step }[];
  readonly weights: Map<string, number>;
  constructor(s: State) {
    super(s);
    this.parts = s.list("transformer_list").map((t, i) => {
      const [name, est] = tupleOf(s, t, 2, `transformer_list[${i}]`);
      return { name: String(name), step: stepOf(s, est, `transformer_list[${i}]`) };
    });
    this.weights = weightsOf(s, "transformer_weights");
  }
  override transform(x: Data): Data {
    const blocks: (Dense | Csr)[] = [];
    for (const p of this.parts) {
      if (p.step === "drop" || p.step === null) continue;
      const out = p.step === "passthrough" ? x : p.step.transform!(x);
      blocks.push(scale(numericBlock(out), this.weights.get(p.name) ?? 1));
    }
    if (blocks.length === 0) return dense(x.rows, 0);
    if (blocks.some((b) => b.kind === "csr")) return hstackCsr(blocks, x.rows);
    return hstackDense(blocks as Dense[], x.rows);
  }
}

export class FunctionTransformer extends Estimator {
  readonly func: Ufunc | null;
  readonly inverse: Ufunc | null;
  readonly validate: boolean;
  constructor(s: State) {
    super(s);
    this.func = ufuncOf(s, "func");
    this.inverse = ufuncOf(s, "inverse_func");
    this.validate = s.bool("validate");
    for (const k of ["kw_args", "inv_kw_args"]) {
      const v = s.opt(k);
      if (v !== null && isDict(v) && (v instanceof Map ? v.size : Object.keys(v).length) > 0)
        s.fail(`${k} are not supported with numpy ufuncs`);
    }
  }

  override transform(x: Data): Data {
    if (this.validate) this.checkFeatures(x);
    return applyUfunc(this.func, x);
  }

  override inverseTransform(x: Dense): Dense {
    return applyUfunc(this.inverse, x) as Dense;
  }
}

/** A ufunc applied elementwise; a DataFrame stays a DataFrame (names kept), as np.log1p(df) does. */
function applyUfunc(f: Ufunc | null, x: Data): Data {
  if (f === null) return x;
  if (x.kind === "frame" || x.kind === "series") {
    const cols = (x.kind === "frame" ? x.columns : [x.column]).map((c) => {
      const m = toDense({ kind: "frame", rows: x.rows, names: null, columns: [c] });
      return { dtype: "float64", values: m.data.map(f) } as FrameColumn;
    });
    if (x.kind === "series") return { ...x, column: cols[0]! };
    return { ...x, columns: cols };
  }
  const m = x.kind === "dense" ? x : toDense(x);
  return dense(m.rows, m.cols, m.data.map(f));
}

export type { NdArray };
