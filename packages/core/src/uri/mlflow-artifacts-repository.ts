import { readFile } from "node:fs/promises";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type ArtifactFile, type ArtifactRepository, isSafeRelativePath } from "./artifact-repository.js";
import { MlflowHttpClient } from "./http-client.js";
import { writeResponseToFile } from "./stream-to-file.js";
import type { TrackingConfig } from "./tracking-config.js";

export const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";

interface ListResponse {
  files?: { path?: string; is_dir?: boolean; file_size?: number | string }[];
}

/**
 * Resolve `mlflow-artifacts:/path` (or `mlflow-artifacts://host:port/path`) to the proxy's http(s) URL,
 * as MLflow does: the tracking server's scheme and host, its path prefix, then the artifacts API.
 */
export function mlflowArtifactsToHttp(uri: string, trackingUri: string): string {
  const tracking = new URL(trackingUri);
  const rest = uri.slice("mlflow-artifacts:".length);
  let host = tracking.host;
  let path = rest;
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    path = slash < 0 ? "/" : rest.slice(slash);
  }
  const prefix = tracking.pathname.replace(/\/+$/, "");
  return `${tracking.protocol}//${host}${prefix}${ARTIFACTS_API}/${path.replace(/^\/+/, "")}`.replace(
    /\/+$/,
    "",
  );
}

/** MLflow's artifact proxy (HttpArtifactRepository): list with `?path=`, download and upload by path. */
export class MlflowArtifactsRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly #client: MlflowHttpClient;
  readonly #apiBase: string;
  readonly #rootPath: string;

  constructor(httpUri: string, config: TrackingConfig) {
    const at = httpUri.indexOf(ARTIFACTS_API);
    if (at < 0) {
      throw MlflowException.invalidParameter(
        `'${httpUri}' is not an MLflow artifact proxy URL (expected a path containing ${ARTIFACTS_API}).`,
      );
    }
    this.rootUri = httpUri;
    this.#apiBase = httpUri.slice(0, at + ARTIFACTS_API.length);
    this.#rootPath = decodeURIComponent(httpUri.slice(at + ARTIFACTS_API.length).replace(/^\/+/, ""));
    this.#client = new MlflowHttpClient(new URL(httpUri).origin, config);
  }

  #fileUrl(relative: string): string {
    const full = [this.#rootPath, relative].filter(Boolean).join("/");
    return `${this.#apiBase}/${full.split("/").map(encodeURIComponent).join("/")}`;
  }

  async #list(dir: string): Promise<{ path: string; isDir: boolean; size?: number }[]> {
    const url = new URL(this.#apiBase);
    url.searchParams.set("path", [this.#rootPath, dir].filter(Boolean).join("/"));
    const response = await this.#client.fetch(url.toString(), { method: "GET" });
    const body = (await response.json().catch(() => ({}))) as ListResponse;
    const out: { path: string; isDir: boolean; size?: number }[] = [];
    for (const f of body.files ?? []) {
      const name = f.path ?? "";
      // The server answers with base names; anything else could escape the download folder.
      if (!name || name.includes("/") || !isSafeRelativePath(name)) {
        throw new MlflowException(`The artifact server listed an unsafe path '${name}'.`, "INVALID_STATE");
      }
      const size = f.file_size === undefined ? undefined : Number(f.file_size);
      out.push({ path: dir ? `${dir}/${name}` : name, isDir: f.is_dir === true, size });
    }
    return out;
  }

  async listFiles(): Promise<ArtifactFile[]> {
    const files: ArtifactFile[] = [];
    const queue = [""];
    let first = true;
    while (queue.length > 0) {
      const dir = queue.shift()!;
      const entries = await this.#list(dir);
      if (first && entries.length === 0) {
        // Either an empty folder or a single file (MLflow lists a file path as nothing).
        const head = await this.#client.fetch(this.#fileUrl(""), { method: "GET" }).catch(() => undefined);
        if (head) {
          await head.body?.cancel();
          return [{ path: "" }];
        }
      }
      first = false;
      for (const e of entries) {
        if (e.isDir) queue.push(e.path);
        else files.push({ path: e.path, size: e.size });
      }
    }
    return files;
  }

  async download(file: ArtifactFile, localPath: string): Promise<void> {
    const response = await this.#client.fetch(this.#fileUrl(file.path), { method: "GET" });
    await writeResponseToFile(response, localPath, file.size);
  }

  async upload(localPath: string, relativePath: string): Promise<void> {
    const body = await readFile(localPath);
    const response = await this.#client.fetch(this.#fileUrl(relativePath), {
      method: "PUT",
      body,
      headers: { "Content-Type": "application/octet-stream" },
    });
    await response.body?.cancel();
  }
}
