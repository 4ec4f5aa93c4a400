import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";
import {
  CONDA_ENV_FILE_NAME,
  MLFLOW_VERSION,
  PIP_VERSION,
  PYTHON_ENV_FILE_NAME,
  PYTHON_VERSION,
  REQUIREMENTS_FILE_NAME,
  SETUPTOOLS_VERSION,
  WHEEL_VERSION,
} from "./env.js";

/** MLflow's `_CONSTRAINTS_FILE_NAME`: pip constraints collected from `-c` lines, referenced from requirements.txt. */
export const CONSTRAINTS_FILE_NAME = "constraints.txt";

/** A conda environment as MLflow writes conda.yaml: `name`, `channels`, `dependencies` (the last one a `{pip: […]}`). */
export type CondaEnv = Record<string, unknown>;

/** The three env inputs of MLflow's save_model/log_model: a conda env (object or YAML file) or pip requirements. */
export interface PythonEnvOptions {
  /** A conda env object or the path of a conda YAML file (MLflow `conda_env`). */
  condaEnv?: CondaEnv | string;
  /** Replaces the flavor's default requirements: a list, or a requirements-file path (MLflow `pip_requirements`). */
  pipRequirements?: readonly string[] | string;
  /** Added to the flavor's default requirements: a list or a requirements-file path (MLflow `extra_pip_requirements`). */
  extraPipRequirements?: readonly string[] | string;
}

/** What saveModel writes: conda.yaml's object, requirements.txt's lines and constraints.txt's lines. */
export interface ProcessedPythonEnv {
  condaEnv: CondaEnv;
  pipRequirements: string[];
  constraints: string[];
}

const MLFLOW_REQUIREMENT = /^mlflow(\[[^\]]*\])?\s*(==|>=|<=|~=|!=|<|>|@|;|$)/i;
const MLFLOW_NAMES = /^(mlflow|mlflow-skinny)$/i;

function containsMlflowRequirement(requirements: readonly string[]): boolean {
  return requirements.some((r) => {
    const name = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(r.trim())?.[1];
    return name !== undefined && (MLFLOW_NAMES.test(name) || MLFLOW_REQUIREMENT.test(r.trim()));
  });
}

/** `mlflow==<version>`, the pin MLflow adds when the requirements do not name mlflow. */
export function mlflowVersionPinning(): string {
  return `mlflow==${MLFLOW_VERSION}`;
}

/**
 * MLflow's `_mlflow_conda_env`: python, `pip<=…` and the pip section (mlflow pinned first unless `installMlflow`
 * is false), on conda-forge.
 */
export function mlflowCondaEnv(
  options: {
    additionalPipDeps?: readonly string[];
    additionalCondaDeps?: readonly string[];
    additionalCondaChannels?: readonly string[];
    installMlflow?: boolean;
    pythonVersion?: string;
  } = {},
): CondaEnv {
  const pipDeps = [
    ...(options.installMlflow === false ? [] : [mlflowVersionPinning()]),
    ...(options.additionalPipDeps ?? []),
  ];
  const condaDeps: unknown[] = [...(options.additionalCondaDeps ?? [])];
  if (pipDeps.length > 0) condaDeps.push(`pip<=${PIP_VERSION}`);
  const dependencies: unknown[] = [`python=${options.pythonVersion ?? PYTHON_VERSION}`, ...condaDeps];
  if (pipDeps.length > 0) dependencies.push({ pip: pipDeps });
  return {
    name: "mlflow-env",
    channels: ["conda-forge", ...(options.additionalCondaChannels ?? [])],
    dependencies,
  };
}

/** The flavor-independent defaults: no pip requirement besides the mlflow pin (core pickles nothing). */
export function getDefaultPipRequirements(): string[] {
  return [];
}

/** MLflow `get_default_conda_env`: the conda.yaml saveModel writes when no env option is given. */
export function getDefaultCondaEnv(): CondaEnv {
  return mlflowCondaEnv({ additionalPipDeps: getDefaultPipRequirements() });
}

interface ParsedRequirement {
  line: string;
  isConstraint: boolean;
}

const MAX_INCLUDE_DEPTH = 16;

function stripInlineComment(line: string): string {
  return line.replace(/(^|\s+)#.*$/, "").trim();
}

/** Lines ending with `\` continue on the next line, as pip reads them. */
function joinContinuedLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line.endsWith("\\")) current.push(line.slice(0, -1).trim());
    else {
      current.push(line);
      out.push(current.join(" ").trim());
      current = [];
    }
  }
  if (current.length > 0) out.push(current.join(" ").trim());
  return out;
}

function readRequirementsFile(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split(/\r?\n/);
  } catch (error) {
    throw MlflowException.invalidParameter(`Cannot read the requirements file '${file}'`, { cause: error });
  }
}

/** MLflow's `_parse_requirements`: `-r`/`--requirement` files are inlined, `-c`/`--constraint` files become constraints. */
function* parseRequirements(
  lines: readonly string[],
  isConstraint: boolean,
  baseDir: string,
  depth: number,
): Generator<ParsedRequirement> {
  if (depth > MAX_INCLUDE_DEPTH) {
    throw MlflowException.invalidParameter(
      `Requirements files include each other more than ${MAX_INCLUDE_DEPTH} levels deep (a cycle?)`,
    );
  }
  const cleaned = joinContinuedLines(lines.map((l) => stripInlineComment(l.trim()))).filter((l) => l !== "");
  for (const line of cleaned) {
    const include = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(.+)$/.exec(line);
    if (include) {
      const target = (include[2] as string).trim();
      const file = path.isAbsolute(target) ? target : path.join(baseDir, target);
      const constraint = include[1] === "-c" || include[1] === "--constraint";
      yield* parseRequirements(readRequirementsFile(file), constraint, path.dirname(file), depth + 1);
    } else {
      yield { line, isConstraint };
    }
  }
}

/**
 * MLflow's `_parse_pip_requirements`: a list of requirement lines (relative `-r`/`-c` files resolved from `cwd`)
 * or the path of a requirements file (its includes resolved from its own directory).
 */
export function parsePipRequirements(
  requirements: readonly string[] | string,
  cwd: string = process.cwd(),
): { requirements: string[]; constraints: string[] } {
  let parsed: Iterable<ParsedRequirement>;
  if (typeof requirements === "string") {
    const file = path.resolve(cwd, requirements);
    parsed = parseRequirements(readRequirementsFile(file), false, path.dirname(file), 0);
  } else if (Array.isArray(requirements) && requirements.every((r) => typeof r === "string")) {
    parsed = parseRequirements(requirements, false, cwd, 0);
  } else {
    throw MlflowException.invalidParameter(
      "`pip_requirements` must be either a string path to a pip requirements file on the local filesystem or an iterable of pip requirement strings",
    );
  }
  const out = { requirements: [] as string[], constraints: [] as string[] };
  for (const r of parsed) (r.isConstraint ? out.constraints : out.requirements).push(r.line);
  return out;
}

function dedupe(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}

/** MLflow's `_validate_env_arguments`: at most one of condaEnv, pipRequirements and extraPipRequirements. */
export function validateEnvArguments(options: PythonEnvOptions): void {
  const given = [options.condaEnv, options.pipRequirements, options.extraPipRequirements].filter(
    (v) => v !== undefined && v !== null,
  );
  if (given.length > 1) {
    throw MlflowException.invalidParameter(
      "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be specified",
    );
  }
}

/** The pip section of a conda env (MLflow `_get_pip_deps`). */
export function pipDepsOf(condaEnv: CondaEnv): string[] {
  const deps = condaEnv.dependencies;
  if (!Array.isArray(deps)) return [];
  const out: string[] = [];
  for (const dep of deps) {
    if (dep !== null && typeof dep === "object" && Array.isArray((dep as { pip?: unknown }).pip)) {
      for (const p of (dep as { pip: unknown[] }).pip) if (typeof p === "string") out.push(p);
    }
  }
  return out;
}

function withPipDeps(condaEnv: CondaEnv, pipDeps: string[]): CondaEnv {
  const deps = Array.isArray(condaEnv.dependencies) ? condaEnv.dependencies : [];
  const others = deps.filter(
    (d) => !(d !== null && typeof d === "object" && "pip" in (d as Record<string, unknown>)),
  );
  return { ...condaEnv, dependencies: [...others, { pip: pipDeps }] };
}

function readCondaEnvFile(file: string): CondaEnv {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw MlflowException.invalidParameter(`Cannot read the conda env file '${file}'`, { cause: error });
  }
  const loaded = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  if (loaded === null || typeof loaded !== "object" || Array.isArray(loaded)) {
    throw MlflowException.invalidParameter(`The conda env file '${file}' does not hold a mapping`);
  }
  return loaded as CondaEnv;
}

/**
 * What a flavor's saveModel writes for its Python environment, as MLflow's `_process_conda_env` (a given conda
 * env, mlflow pinned when absent) or `_process_pip_requirements` (the flavor's defaults, replaced by
 * `pipRequirements` or extended by `extraPipRequirements`). `-c` files end up in constraints.txt, referenced by a
 * `-c constraints.txt` requirement.
 */
export function processPythonEnv(
  defaultPipRequirements: readonly string[],
  options: PythonEnvOptions,
  context: { cwd?: string; pythonVersion?: string } = {},
): ProcessedPythonEnv {
  validateEnvArguments(options);
  const cwd = context.cwd ?? process.cwd();
  if (options.condaEnv !== undefined && options.condaEnv !== null) {
    const given = options.condaEnv;
    let env: CondaEnv;
    if (typeof given === "string") env = readCondaEnvFile(path.resolve(cwd, given));
    else if (typeof given === "object" && !Array.isArray(given)) env = given;
    else {
      throw MlflowException.invalidParameter(
        `Expected a string path to a conda env yaml file or a \`dict\` representing a conda env, but got \`${Array.isArray(given) ? "list" : typeof given}\``,
      );
    }
    const parsed = parsePipRequirements(pipDepsOf(env), cwd);
    const pipRequirements = parsed.requirements;
    if (!containsMlflowRequirement(pipRequirements)) pipRequirements.unshift(mlflowVersionPinning());
    if (parsed.constraints.length > 0) pipRequirements.push(`-c ${CONSTRAINTS_FILE_NAME}`);
    return { condaEnv: withPipDeps(env, pipRequirements), pipRequirements, constraints: parsed.constraints };
  }
  let requirements: string[];
  let constraints: string[] = [];
  if (options.pipRequirements !== undefined && options.pipRequirements !== null) {
    ({ requirements, constraints } = parsePipRequirements(options.pipRequirements, cwd));
  } else if (options.extraPipRequirements !== undefined && options.extraPipRequirements !== null) {
    const extra = parsePipRequirements(options.extraPipRequirements, cwd);
    requirements = [...defaultPipRequirements, ...extra.requirements];
    constraints = extra.constraints;
  } else {
    requirements = [...defaultPipRequirements];
  }
  if (!containsMlflowRequirement(requirements)) requirements.unshift(mlflowVersionPinning());
  if (constraints.length > 0) requirements.push(`-c ${CONSTRAINTS_FILE_NAME}`);
  const pipRequirements = dedupe(requirements);
  return {
    condaEnv: mlflowCondaEnv({
      additionalPipDeps: pipRequirements,
      installMlflow: false,
      ...(context.pythonVersion ? { pythonVersion: context.pythonVersion } : {}),
    }),
    pipRequirements,
    constraints,
  };
}

/** Write conda.yaml, python_env.yaml, requirements.txt (and constraints.txt when there are constraints). */
export async function writeProcessedPythonEnv(
  modelDir: string,
  env: ProcessedPythonEnv,
  pythonVersion = PYTHON_VERSION,
): Promise<void> {
  await writeFile(
    path.join(modelDir, CONDA_ENV_FILE_NAME),
    yaml.dump(env.condaEnv, { sortKeys: true, noArrayIndent: true, lineWidth: -1 }),
    "utf8",
  );
  // python_env.yaml keeps MLflow's key order (python, build_dependencies, dependencies), unsorted.
  const pythonEnv =
    `python: ${pythonVersion}\n` +
    `build_dependencies:\n- pip==${PIP_VERSION}\n- setuptools==${SETUPTOOLS_VERSION}\n- wheel==${WHEEL_VERSION}\n` +
    "dependencies:\n- -r requirements.txt\n";
  await writeFile(path.join(modelDir, PYTHON_ENV_FILE_NAME), pythonEnv, "utf8");
  await writeFile(path.join(modelDir, REQUIREMENTS_FILE_NAME), env.pipRequirements.join("\n"), "utf8");
  if (env.constraints.length > 0) {
    await writeFile(path.join(modelDir, CONSTRAINTS_FILE_NAME), env.constraints.join("\n"), "utf8");
  }
}
