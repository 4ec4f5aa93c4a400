import { readFileSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";

/** MLflow's resource types (`mlflow.models.resources.ResourceType`), as written in MLmodel. */
export const RESOURCE_TYPES = [
  "serving_endpoint",
  "vector_search_index",
  "sql_warehouse",
  "function",
  "genie_space",
  "uc_connection",
  "table",
  "app",
  "lakebase",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/**
 * One resource a model depends on (MLflow's `DatabricksServingEndpoint(endpoint_name=…)` and friends):
 * the type, the name (endpoint / index / warehouse id / function / …) and, as MLflow, an optional
 * `onBehalfOfUser` flag and `targetUri` (default "databricks").
 */
export interface ModelResource {
  type: ResourceType;
  name: string;
  onBehalfOfUser?: boolean;
  targetUri?: string;
}

/** MLmodel's `resources` block: `{api_version: "1", <target_uri>: {<type>: [{name, …}]}}`. */
export type ResourcesDict = Record<string, unknown>;

const API_VERSION = "1";

function checkResource(resource: unknown, index: number): ModelResource {
  const r = resource as Partial<ModelResource> | null;
  if (r === null || typeof r !== "object") {
    throw MlflowException.invalidParameter(`resources[${index}] must be an object with 'type' and 'name'`);
  }
  if (typeof r.type !== "string" || !(RESOURCE_TYPES as readonly string[]).includes(r.type)) {
    throw MlflowException.invalidParameter(
      `resources[${index}].type must be one of ${RESOURCE_TYPES.join(", ")}, got ${JSON.stringify(r.type)}`,
    );
  }
  if (typeof r.name !== "string" || r.name.length === 0) {
    throw MlflowException.invalidParameter(`resources[${index}].name must be a non-empty string`);
  }
  return r as ModelResource;
}

/** MLflow's `_ResourceBuilder.from_resources`: group the resources by target and type. */
export function resourcesDict(resources: readonly ModelResource[]): ResourcesDict {
  const out: ResourcesDict = { api_version: API_VERSION };
  resources.forEach((resource, i) => {
    const r = checkResource(resource, i);
    const target = r.targetUri ?? "databricks";
    out[target] ??= {};
    const byType = out[target] as Record<string, Array<Record<string, unknown>>>;
    byType[r.type] ??= [];
    const list = byType[r.type] as Array<Record<string, unknown>>;
    const entry: Record<string, unknown> = { name: r.name };
    if (r.onBehalfOfUser) entry.on_behalf_of_user = true;
    if (!list.some((e) => e.name === entry.name && e.on_behalf_of_user === entry.on_behalf_of_user))
      list.push(entry);
  });
  return out;
}

/** A `resources` option: a list of resources, or the path of a YAML file already in MLmodel's form. */
export type ResourcesSource = readonly ModelResource[] | string;

/** MLflow's `_ResourceBuilder.from_yaml_file` for a path, `from_resources` for a list. */
export function resolveResources(source: ResourcesSource, cwd: string = process.cwd()): ResourcesDict {
  if (typeof source !== "string") {
    if (!Array.isArray(source)) {
      throw MlflowException.invalidParameter("resources must be a list of resources or a YAML file path");
    }
    return resourcesDict(source);
  }
  const file = path.resolve(cwd, source);
  let loaded: unknown;
  try {
    loaded = yaml.load(readFileSync(file, "utf8"), { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    throw MlflowException.invalidParameter(`Cannot read the resources file '${file}'`, { cause: error });
  }
  if (loaded === null || typeof loaded !== "object" || Array.isArray(loaded)) {
    throw MlflowException.invalidParameter(`The resources file '${file}' must hold a mapping`);
  }
  const dict = loaded as Record<string, unknown>;
  if (dict.api_version !== API_VERSION) {
    throw MlflowException.invalidParameter(
      `The resources file '${file}' has api_version ${JSON.stringify(dict.api_version)}; only '${API_VERSION}' is supported`,
    );
  }
  return dict;
}

/** MLflow's `AuthPolicy`: resources the system credentials reach, and API scopes used on behalf of the user. */
export interface AuthPolicy {
  systemAuthPolicy?: { resources: readonly ModelResource[] };
  userAuthPolicy?: { apiScopes: readonly string[] };
}

/** `AuthPolicy.to_dict()`: `{system_auth_policy: {resources: …}, user_auth_policy: {api_scopes: […]}}`. */
export function authPolicyDict(policy: AuthPolicy): Record<string, unknown> {
  if (policy === null || typeof policy !== "object") {
    throw MlflowException.invalidParameter("authPolicy must be an object");
  }
  const out: Record<string, unknown> = {};
  if (policy.systemAuthPolicy) {
    out.system_auth_policy = { resources: resourcesDict(policy.systemAuthPolicy.resources ?? []) };
  }
  if (policy.userAuthPolicy) {
    const scopes = policy.userAuthPolicy.apiScopes ?? [];
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string")) {
      throw MlflowException.invalidParameter("authPolicy.userAuthPolicy.apiScopes must be a list of strings");
    }
    out.user_auth_policy = { api_scopes: [...scopes] };
  }
  return out;
}

/** A prompt the model uses: a `prompts:/name/version` URI or its parts (MLflow's PromptVersion). */
export type PromptReference = string | { name: string; version: number | string };

/** MLmodel's `prompts`: the URIs (MLflow converts PromptVersion objects to their `uri`). */
export function promptUris(prompts: readonly PromptReference[]): string[] {
  if (!Array.isArray(prompts)) throw MlflowException.invalidParameter("prompts must be a list");
  return prompts.map((p, i) => {
    if (typeof p === "string") {
      if (!p.startsWith("prompts:/")) {
        throw MlflowException.invalidParameter(
          `prompts[${i}] must be a 'prompts:/<name>/<version>' URI, got '${p}'`,
        );
      }
      return p;
    }
    if (p === null || typeof p !== "object" || typeof p.name !== "string" || p.name === "") {
      throw MlflowException.invalidParameter(`prompts[${i}] must be a URI or {name, version}`);
    }
    return `prompts:/${p.name}/${p.version}`;
  });
}
