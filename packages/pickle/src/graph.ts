import { limitExceeded } from "./errors.js";
import { NdArray } from "./numpy/ndarray.js";
import { RefusedCall, RefusedGlobal } from "./refusal.js";
import { PyObject, PySlice } from "./values.js";

export type Step = string | number;

/** Containers the reader built, with the key under which each child sits. Opaque handler objects have none. */
export function* childrenOf(
  v: unknown,
  extra: (obj: object) => unknown[] | undefined,
): Generator<[Step, unknown]> {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield [i, v[i]];
  } else if (v instanceof Map) {
    for (const [k, val] of v) {
      yield ["key", k];
      yield [typeof k === "string" || typeof k === "number" ? k : String(k), val];
    }
  } else if (v instanceof Set) {
    let i = 0;
    for (const item of v) yield [i++, item];
  } else if (v instanceof PyObject) {
    yield ["args", v.args];
    if (v.state !== undefined) yield ["state", v.state];
    if (v.items.size > 0) yield ["items", v.items];
    if (v.list.length > 0) yield ["list", v.list];
    if (v.set.size > 0) yield ["set", v.set];
    if (v.kwargs !== undefined) yield ["kwargs", v.kwargs];
  } else if (v instanceof NdArray) {
    if (v.dtype.kind === "O") yield ["data", v.data];
  } else if (v instanceof PySlice) {
    yield ["start", v.start];
    yield ["stop", v.stop];
    yield ["step", v.step];
  } else if (v instanceof RefusedCall) {
    yield ["args", v.args];
  } else if (typeof v === "object" && v !== null) {
    const more = extra(v);
    if (more !== undefined) for (let i = 0; i < more.length; i++) yield ["state", more[i]];
  }
}

function isContainer(v: unknown): v is object {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v);
}

interface Frame {
  node: object;
  step: Step | undefined;
  it: Generator<[Step, unknown]>;
  depth: number;
}

export interface WalkResult {
  /** The first refused value found, with the path of (node, step) pairs that leads to it. */
  refused?: { value: RefusedGlobal | RefusedCall; path: { node: object; step: Step | undefined }[] };
}

/**
 * Walks the result once (iteratively: no recursion on untrusted depth), checking the longest chain of nested
 * containers against `maxDepth` and finding the first refused value. Shared children are visited once;
 * cycles (a list that holds itself) are not followed again.
 */
export function walk(
  root: unknown,
  maxDepth: number,
  extra: (obj: object) => unknown[] | undefined,
  charge: (steps: number) => void,
): WalkResult {
  const result: WalkResult = {};
  if (!isContainer(root)) return result;
  const done = new Map<object, number>();
  const active = new Set<object>();
  const stack: Frame[] = [];
  const enter = (node: object, step: Step | undefined) => {
    if (stack.length >= maxDepth) {
      throw limitExceeded(`the data is nested more than ${maxDepth} levels deep`);
    }
    active.add(node);
    stack.push({ node, step, it: childrenOf(node, extra), depth: 0 });
  };
  const found = (value: RefusedGlobal | RefusedCall) => {
    if (result.refused === undefined) {
      result.refused = { value, path: stack.map((f) => ({ node: f.node, step: f.step })) };
    }
  };
  if (root instanceof RefusedGlobal || root instanceof RefusedCall) found(root);
  enter(root, undefined);
  let steps = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = top.it.next();
    if (++steps === 4096) {
      charge(steps);
      steps = 0;
    }
    if (next.done) {
      stack.pop();
      active.delete(top.node);
      done.set(top.node, top.depth + 1);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.depth = Math.max(parent.depth, top.depth + 1);
      continue;
    }
    const [step, child] = next.value;
    if (!isContainer(child)) continue;
    if (child instanceof RefusedGlobal || child instanceof RefusedCall) {
      if (result.refused === undefined) {
        result.refused = {
          value: child,
          path: [...stack.map((f) => ({ node: f.node, step: f.step })), { node: child, step }],
        };
      }
    }
    if (active.has(child)) continue;
    const d = done.get(child);
    if (d !== undefined) {
      if (stack.length + d > maxDepth)
        throw limitExceeded(`the data is nested more than ${maxDepth} levels deep`);
      top.depth = Math.max(top.depth, d);
      continue;
    }
    enter(child, step);
  }
  charge(steps);
  return result;
}
