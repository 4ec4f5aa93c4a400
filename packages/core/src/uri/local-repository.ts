import { copyFile, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import type { ArtifactFile, ArtifactRepository } from "./artifact-repository.js";

/** Artifacts on the local file system (`file:` URIs and plain paths). */
export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly #root: string;

  constructor(rootUri: string) {
    this.rootUri = rootUri;
    this.#root = rootUri.startsWith("file:") ? fileURLToPath(rootUri) : rootUri;
  }

  async listFiles(): Promise<ArtifactFile[]> {
    const info = await stat(this.#root).catch(() => undefined);
    if (!info) throw MlflowException.notFound(`No such file or directory: '${this.#root}'.`);
    if (info.isFile()) return [{ path: "", size: info.size }];
    const entries = await readdir(this.#root, { recursive: true, withFileTypes: true });
    const files: ArtifactFile[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const full = join(e.parentPath, e.name);
      files.push({ path: relative(this.#root, full).split(sep).join("/"), size: (await stat(full)).size });
    }
    return files;
  }

  async download(file: ArtifactFile, localPath: string): Promise<void> {
    await copyFile(file.path ? join(this.#root, file.path) : this.#root, localPath);
  }

  async upload(localPath: string, relativePath: string): Promise<void> {
    const target = join(this.#root, relativePath);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(localPath, target);
  }
}
