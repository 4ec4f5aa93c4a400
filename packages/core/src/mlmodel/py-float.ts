/**
 * Python keeps `2.0` (float) and `2` (int) apart; JavaScript numbers do not. To write back what PyYAML wrote, the
 * MLmodel reader marks floats with a whole value (`2.0`, `-1.0`) while parsing, remembers where they were, and the
 * writer emits those places as floats again (as long as they still hold a whole number).
 */
import yaml from "js-yaml";

/** A YAML float whose value is a whole number (only lives between js-yaml and the Model). */
export class WholeFloat {
  constructor(readonly value: number) {}
}

interface ScalarTypeImpl {
  resolve(data: string): boolean;
  construct(data: string): unknown;
  predicate(obj: unknown): boolean;
  represent(obj: object, style?: string): string;
  defaultStyle: string;
}
// js-yaml exports its built-in types at runtime (`yaml.types`); @types/js-yaml does not declare them.
const baseFloat = (yaml as unknown as { types: { float: ScalarTypeImpl } }).types.float;

/** Python's `repr(float)` for a whole value, as PyYAML writes it (`2.0`, `-0.0`, `1.0e+16`). */
export function pyWholeFloatText(value: number): string {
  if (Object.is(value, -0)) return "-0.0";
  if (Math.abs(value) >= 1e16) {
    const [mantissa, exp] = value.toExponential().split("e");
    const m = (mantissa as string).includes(".") ? (mantissa as string) : `${mantissa}.0`;
    const e = exp as string;
    const sign = e.startsWith("-") ? "-" : "+";
    const digits = e.replace(/^[+-]/, "").padStart(2, "0");
    return `${m}e${sign}${digits}`;
  }
  return `${value.toFixed(0)}.0`;
}

const floatType = new yaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (data: string) => baseFloat.resolve(data),
  construct: (data: string) => {
    const value = baseFloat.construct(data) as number;
    return Number.isInteger(value) || Object.is(value, -0) ? new WholeFloat(value) : value;
  },
  predicate: (obj: unknown) => obj instanceof WholeFloat || baseFloat.predicate(obj),
  represent: (obj: object, style?: string) =>
    obj instanceof WholeFloat ? pyWholeFloatText(obj.value) : baseFloat.represent(obj, style),
  defaultStyle: baseFloat.defaultStyle,
});

/** CORE schema with whole floats marked. */
export const MLMODEL_LOAD_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [floatType] });
/** DEFAULT schema (so YAML 1.1-ambiguous strings get quoted) that writes WholeFloat as a float. */
export const MLMODEL_DUMP_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [floatType] });

type Path = Array<string | number>;

/** Replace WholeFloat markers in a plain tree (in place) by numbers; returns their paths as JSON keys. */
export function extractWholeFloats(root: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown, path: Path): unknown => {
    if (node instanceof WholeFloat) {
      found.add(JSON.stringify(path));
      return node.value;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i], [...path, i]);
    } else if (typeof node === "object" && node !== null) {
      const rec = node as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        const v = rec[key];
        const w = walk(v, [...path, key]);
        if (w !== v)
          Object.defineProperty(rec, key, { value: w, enumerable: true, writable: true, configurable: true });
      }
    }
    return node;
  };
  walk(root, []);
  return found;
}

/** Put WholeFloat markers back (in place) at the remembered paths that still hold a whole number. */
export function markWholeFloats(root: Record<string, unknown>, paths: ReadonlySet<string>): void {
  for (const key of paths) {
    const path = JSON.parse(key) as Path;
    let node: unknown = root;
    for (let i = 0; i < path.length - 1 && node !== undefined; i++) {
      node =
        typeof node === "object" && node !== null
          ? (node as Record<string | number, unknown>)[path[i] as string]
          : undefined;
    }
    const last = path[path.length - 1];
    if (last === undefined || typeof node !== "object" || node === null) continue;
    const container = node as Record<string | number, unknown>;
    if (!Object.hasOwn(container, last)) continue;
    const value = container[last];
    if (typeof value === "number" && (Number.isInteger(value) || Object.is(value, -0))) {
      Object.defineProperty(container, last, {
        value: new WholeFloat(value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
}
