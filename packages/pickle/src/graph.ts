import { limitExceeded } from "./errors.js";
import { NdArray } from "./numpy/ndarray.js";
import { RefusedCall, RefusedGlobal } from "./refusal.js";
import { PyObject, PySlice } from "./values.js";

export type Step = string | number;

const OBJECT_STEPS = ["args", "state", "items", "list", "set", "kwargs"];
const SLICE_STEPS = ["start", "stop", "step"];

/** The children of a container the reader built; opaque handler objects contribute their `extra` states. */
function childList(v: object, extra: (obj: object) => unknown[] | undefined): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof Map) {
    const out: unknown[] = [];
    for (const [k, val] of v) out.push(k, val);
    return out;
  }
  if (v instanceof Set) return [...v];
  if (v instanceof PyObject) return [v.args, v.state, v.items, v.list, v.set, v.kwargs];
  if (v instanceof NdArray) return v.dtype.kind === "O" ? [v.data] : undefined;
  if (v instanceof PySlice) return [v.start, v.stop, v.step];
  if (v instanceof RefusedCall) return v.args;
  return extra(v);
}

/** The key under which child `i` of `node` sits, for error messages: an index, a dict key, an attribute. */
function stepOf(node: object, children: readonly unknown[], i: number): Step {
  if (node instanceof Map) {
    const k = children[i - (i % 2)];
    return i % 2 === 0 ? "key" : typeof k === "string" || typeof k === "number" ? k : String(k);
  }
  if (node instanceof PyObject) return OBJECT_STEPS[i]!;
  if (node instanceof PySlice) return SLICE_STEPS[i]!;
  if (node instanceof NdArray) return "data";
  if (Array.isArray(node) || node instanceof Set || node instanceof RefusedCall) return i;
  return "state";
}

function isContainer(v: unknown): v is object {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v);
}

interface Frame {
  node: object;
  children: readonly unknown[];
  i: number;
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
  const tooDeep = () => limitExceeded(`the data is nested more than ${maxDepth} levels deep`);
  const path = (last?: { node: object; step: Step }) => {
    const out: { node: object; step: Step | undefined }[] = stack.map((f, k) => ({
      node: f.node,
      step: k === 0 ? undefined : stepOf(stack[k - 1]!.node, stack[k - 1]!.children, stack[k - 1]!.i - 1),
    }));
    if (last !== undefined) out.push(last);
    return out;
  };
  const enter = (node: object) => {
    if (stack.length >= maxDepth) throw tooDeep();
    const children = childList(node, extra);
    if (children === undefined) {
      done.set(node, 1);
      return false;
    }
    active.add(node);
    stack.push({ node, children, i: 0, depth: 0 });
    return true;
  };
  if (root instanceof RefusedGlobal || root instanceof RefusedCall)
    result.refused = { value: root, path: [] };
  enter(root);
  let steps = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.children.length) {
      steps += top.children.length;
      stack.pop();
      active.delete(top.node);
      done.set(top.node, top.depth + 1);
      const parent = stack[stack.length - 1];
      if (parent !== undefined && parent.depth < top.depth + 1) parent.depth = top.depth + 1;
      if (steps > 65_536) {
        charge(steps);
        steps = 0;
      }
      continue;
    }
    const child = top.children[top.i++];
    if (!isContainer(child)) continue;
    if ((child instanceof RefusedGlobal || child instanceof RefusedCall) && result.refused === undefined) {
      result.refused = {
        value: child,
        path: path({ node: child, step: stepOf(top.node, top.children, top.i - 1) }),
      };
    }
    if (active.has(child)) continue;
    const d = done.get(child);
    if (d !== undefined) {
      if (stack.length + d > maxDepth) throw tooDeep();
      if (top.depth < d) top.depth = d;
      continue;
    }
    if (!enter(child) && top.depth < 1) top.depth = 1;
  }
  charge(steps);
  return result;
}
