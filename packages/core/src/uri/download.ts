import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type ArtifactRepository, isSafeRelativePath } from "./artifact-repository.js";

/** Where downloaded models are cached: PYFUNC_CACHE_DIR, else XDG_CACHE_HOME/pyfunc, else ~/.cache/pyfunc. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PYFUNC_CACHE_DIR) return env.PYFUNC_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "pyfunc", "models");
}

function lastSegment(uri: string): string {
  const trimmed = uri.replace(/\/+$/, "");
  const name = decodeURIComponent(trimmed.slice(trimmed.lastIndexOf("/") + 1));
  return name && isSafeRelativePath(name) ? name : "model";
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Download everything under a repository's root into a fresh folder and rename it into place at the end,
 * so an interrupted download never leaves a loadable-looking directory behind.
 * Returns `<targetParent>/<last segment of the root URI>`.
 */
export async function downloadArtifacts(repo: ArtifactRepository, targetParent: string): Promise<string> {
  const target = join(targetParent, lastSegment(repo.rootUri));
  if (await exists(target)) {
    throw new MlflowException(`Download target '${target}' already exists.`, "RESOURCE_ALREADY_EXISTS");
  }
  const files = await repo.listFiles();
  if (files.length === 0) throw MlflowException.notFound(`No artifacts found at '${repo.rootUri}'.`);
  await mkdir(targetParent, { recursive: true });
  const partial = join(targetParent, `.${basename(target)}.partial-${randomBytes(6).toString("hex")}`);
  try {
    const single = files.length === 1 && files[0]!.path === "";
    if (!single) await mkdir(partial, { recursive: true });
    for (const file of files) {
      if (!isSafeRelativePath(file.path)) {
        throw new MlflowException(
          `Refusing artifact path '${file.path}': it would escape the download folder.`,
          "INVALID_STATE",
        );
      }
      const local = single ? partial : join(partial, ...file.path.split("/"));
      await mkdir(dirname(local), { recursive: true });
      await repo.download(file, local);
    }
    await rename(partial, target);
    return target;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Download into the cache, keyed by the resolved location, reusing a complete earlier download.
 * Only complete downloads are ever renamed into the cache, so presence means complete.
 */
export async function downloadToCache(
  repo: ArtifactRepository,
  cacheDir = defaultCacheDir(),
): Promise<string> {
  const key = createHash("sha256").update(repo.rootUri).digest("hex").slice(0, 32);
  const parent = join(cacheDir, key);
  const target = join(parent, lastSegment(repo.rootUri));
  if (await exists(target)) return target;
  try {
    return await downloadArtifacts(repo, parent);
  } catch (error) {
    // Another process may have finished the same download first.
    if (
      error instanceof MlflowException &&
      error.errorCode === "RESOURCE_ALREADY_EXISTS" &&
      (await exists(target))
    ) {
      return target;
    }
    throw error;
  }
}
