import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  Allowlist,
  inertRecord,
  PickleError,
  PyObject,
  readPickle,
  readSkops,
  standardAllowlist,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
// packages/pickle/crosscheck -> <repo root>/../shared/fixtures
const sharedRoot = resolve(here, "../../../../shared/fixtures");
const present = existsSync(join(sharedRoot, "sklearn")) && existsSync(join(sharedRoot, "lightgbm"));
if (!present)
  console.warn(`[crosscheck] ${sharedRoot} not found: skipping the shared sklearn / LightGBM fixtures`);

/** Counts how often each global is looked up: the reader asks once per GLOBAL / STACK_GLOBAL, as Python's find_class. */
class CountingAllowlist extends Allowlist {
  readonly lookups = new Map<string, number>();
  override has(name: string): boolean {
    this.lookups.set(name, (this.lookups.get(name) ?? 0) + 1);
    return super.has(name);
  }
}

interface Case {
  dir: string;
  model: string;
  json: Record<string, unknown>;
}

function casesUnder(lib: string): Case[] {
  const out: Case[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = join(dir, entry.name);
      const caseFile = join(sub, "case.json");
      if (existsSync(caseFile)) {
        for (const model of ["model.pkl", "model.skops"]) {
          if (existsSync(join(sub, "model", model))) {
            out.push({
              dir: sub,
              model,
              json: JSON.parse(readFileSync(caseFile, "utf8")) as Record<string, unknown>,
            });
          }
        }
      } else walk(sub);
    }
  };
  walk(join(sharedRoot, lib));
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

// The test allowlist: every global the fixtures' READMEs list, as an inert record unless the standard
// numpy / builtins / scipy handlers cover it; cloudpickle's code-building globals stay out.
function testAllowlist(): CountingAllowlist {
  const list = new CountingAllowlist().use(standardAllowlist());
  const readme = readFileSync(join(sharedRoot, "sklearn", "README.md"), "utf8");
  const names = new Set<string>();
  for (const m of readme.matchAll(/^\s+\d+\s+([A-Za-z_][\w.]*)$/gm)) names.add(m[1]!);
  for (const m of readme.matchAll(/`([a-z_][\w.]*\.[A-Za-z_]\w*)` \d+/g)) names.add(m[1]!);
  for (const c of casesUnder("lightgbm")) {
    for (const g of (c.json.pickle as { globals?: string[] } | undefined)?.globals ?? []) names.add(g);
  }
  for (const name of names) {
    if (name.startsWith("cloudpickle.")) continue;
    if (!list.has(name)) list.register(name, inertRecord);
  }
  list.lookups.clear();
  return list;
}

function isScalarParam(v: unknown): v is string | number | boolean | null {
  return (
    v === null ||
    typeof v === "number" ||
    typeof v === "boolean" ||
    (typeof v === "string" && !v.startsWith("<"))
  );
}

describe.skipIf(!present)("every model.pkl / model.skops in ../shared/fixtures/{sklearn,lightgbm}", () => {
  const sklearn = present ? casesUnder("sklearn") : [];
  const lightgbm = present ? casesUnder("lightgbm") : [];

  it("finds the shared cases", () => {
    expect(sklearn.length).toBeGreaterThanOrEqual(91);
    expect(lightgbm.some((c) => c.model === "model.pkl")).toBe(true);
  });

  for (const c of sklearn) {
    const name = c.dir.slice(sharedRoot.length + 1);
    if (c.json.must_refuse === true) {
      it(`${name}: refused (a function pickled by value)`, () => {
        const err = (() => {
          try {
            readPickle(readFileSync(join(c.dir, "model", c.model)), { allowlist: testAllowlist() });
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(PickleError);
        expect((err as PickleError).kind).toBe("refused");
        expect((err as PickleError).message).toMatch(
          /^FunctionTransformer\(func=<lambda>\) holds Python code .*it cannot be loaded outside Python/,
        );
      });
      continue;
    }
    it(`${name}: reads as ${(c.json.estimator as string[])[0]}, with its params and exactly Python's globals`, async () => {
      const list = testAllowlist();
      const bytes = readFileSync(join(c.dir, "model", c.model));
      const root =
        c.model === "model.pkl"
          ? readPickle(bytes, { allowlist: list })
          : await readSkops(bytes, { allowlist: list });
      expect(root).toBeInstanceOf(PyObject);
      const est = root as PyObject;
      expect(est.className).toBe((c.json.estimator as string[])[0]);
      expect(est.get("_sklearn_version")).toBe(c.json.sklearn_version);
      for (const [param, value] of Object.entries(c.json.params as Record<string, unknown>)) {
        if (param.includes("__") || !isScalarParam(value)) continue;
        expect(est.get(param), param).toEqual(value);
      }
      if (c.model === "model.pkl") {
        const globals = (c.json.pickle as { globals: Record<string, number> }).globals;
        expect(Object.fromEntries(list.lookups)).toEqual(globals);
      }
    });
  }

  for (const c of lightgbm.filter((x) => x.model === "model.pkl")) {
    const name = c.dir.slice(sharedRoot.length + 1);
    it(`${name}: reads the LGBM estimator and its Booster's model text`, () => {
      const list = testAllowlist();
      const est = readPickle(readFileSync(join(c.dir, "model", c.model)), { allowlist: list }) as PyObject;
      expect(est.className).toBe(c.json.model_class);
      const booster = est.get("_Booster") as PyObject;
      expect(booster.className).toBe("lightgbm.basic.Booster");
      expect(booster.get("_handle")).toBe(readFileSync(join(c.dir, "model.txt"), "utf8"));
      expect(new Set(list.lookups.keys())).toEqual(new Set((c.json.pickle as { globals: string[] }).globals));
    });
  }
});
