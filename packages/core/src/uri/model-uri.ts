import { MlflowException } from "../errors/mlflow-exception.js";

/** What a `models:/` URI names (MLflow's `_parse_model_uri`). */
export type ModelsUriTarget =
  | { kind: "version"; name: string; version: string; subPath: string }
  | { kind: "latest"; name: string; subPath: string }
  | { kind: "stage"; name: string; stage: string; subPath: string }
  | { kind: "alias"; name: string; alias: string; subPath: string }
  | { kind: "loggedModel"; modelId: string; subPath: string };

/** The scheme of a model URI, or "file" for a plain local path. */
export function uriScheme(uri: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  // A single letter followed by ':' is a Windows drive, not a scheme.
  if (!m || m[1]!.length === 1) return "file";
  return m[1]!.toLowerCase();
}

function invalid(uri: string, why: string): MlflowException {
  return MlflowException.invalidParameter(`Not a valid model URI '${uri}': ${why}`);
}

/** Path part after `scheme:`; `scheme://authority/path` keeps its authority apart (profiles, hosts). */
function splitUri(uri: string): { authority: string; path: string } {
  const rest = uri.slice(uri.indexOf(":") + 1);
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    return slash < 0
      ? { authority: rest.slice(2), path: "/" }
      : { authority: rest.slice(2, slash), path: rest.slice(slash) };
  }
  return { authority: "", path: rest };
}

export function parseModelsUri(uri: string): ModelsUriTarget {
  const { path } = splitUri(uri);
  if (!path.startsWith("/")) throw invalid(uri, "the path must start with '/' (models:/<name>/<version>).");
  const parts = path
    .slice(1)
    .split("/")
    .filter((p, i) => p !== "" || i === 0);
  const head = parts[0] ?? "";
  if (head === "") throw invalid(uri, "the model name is empty.");
  const at = head.indexOf("@");
  if (at >= 0) {
    const name = decodeURIComponent(head.slice(0, at));
    const alias = head.slice(at + 1);
    if (!name || !alias) throw invalid(uri, "expected models:/<name>@<alias>.");
    return { kind: "alias", name, alias, subPath: parts.slice(1).join("/") };
  }
  if (parts.length === 1) {
    // MLflow 3: models:/<model_id> names a logged model.
    return { kind: "loggedModel", modelId: head, subPath: "" };
  }
  const name = decodeURIComponent(head);
  const second = parts[1]!;
  const subPath = parts.slice(2).join("/");
  if (/^\d+$/.test(second)) return { kind: "version", name, version: second, subPath };
  if (second.toLowerCase() === "latest") return { kind: "latest", name, subPath };
  if (second === "") throw invalid(uri, "the version or stage is empty.");
  return { kind: "stage", name, stage: second, subPath };
}

/** `runs:/<run_id>/<path>` → its parts. */
export function parseRunsUri(uri: string): { runId: string; path: string } {
  const { path } = splitUri(uri);
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 0) throw invalid(uri, "expected runs:/<run_id>/<path>.");
  return { runId: parts[0]!, path: parts.slice(1).join("/") };
}

/** Join an artifact root URI and a relative path with exactly one slash. */
export function joinUri(base: string, relative: string): string {
  if (!relative) return base;
  return `${base.replace(/\/+$/, "")}/${relative.replace(/^\/+/, "")}`;
}
