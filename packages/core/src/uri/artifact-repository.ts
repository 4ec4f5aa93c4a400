/** One file under an artifact root, with its path relative to that root (POSIX separators). */
export interface ArtifactFile {
  path: string;
  /** Size in bytes when the store lists it; used to detect truncated downloads. */
  size?: number;
}

/**
 * An artifact store location (MLflow's ArtifactRepository): list, download and upload files under one root URI.
 * One implementation per scheme: local files, MLflow's artifact proxy (mlflow-artifacts:, http(s)), S3.
 */
export interface ArtifactRepository {
  readonly rootUri: string;
  /** Every file below the root, recursively. A root that is itself a file lists as one entry with path "". */
  listFiles(): Promise<ArtifactFile[]>;
  /** Download one listed file to a local path (parent folders exist). */
  download(file: ArtifactFile, localPath: string): Promise<void>;
  /** Upload a local file to `relativePath` below the root. */
  upload(localPath: string, relativePath: string): Promise<void>;
}

/** A listed relative path is safe when it has no empty, '.' or '..' segments and is not absolute. */
export function isSafeRelativePath(path: string): boolean {
  if (path === "") return true;
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}
