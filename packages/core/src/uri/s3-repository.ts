import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type ArtifactFile, type ArtifactRepository, isSafeRelativePath } from "./artifact-repository.js";
import { writeResponseToFile } from "./stream-to-file.js";

type S3Module = typeof import("@aws-sdk/client-s3");

export interface S3Options {
  /** S3-compatible endpoint (MinIO, R2 …); defaults to MLFLOW_S3_ENDPOINT_URL as MLflow reads it. */
  endpoint?: string;
  region?: string;
}

async function loadS3(): Promise<S3Module> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch {
    throw new MlflowException(
      "s3:// model URIs need the AWS SDK: install it next to @pyfunc/core with `npm install @aws-sdk/client-s3`.",
      "INVALID_STATE",
    );
  }
}

function mapS3Error(error: unknown, what: string): MlflowException {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === "NoSuchKey" || e.name === "NoSuchBucket" || status === 404) {
    return MlflowException.notFound(`${what}: not found (${e.name ?? status}).`);
  }
  if (status === 401 || status === 403 || e.name === "AccessDenied" || e.name === "InvalidAccessKeyId") {
    return new MlflowException(
      `${what}: access denied (${e.name ?? status}); check the AWS credentials.`,
      "PERMISSION_DENIED",
    );
  }
  return new MlflowException(`${what}: ${e.message ?? String(error)}`, "TEMPORARILY_UNAVAILABLE", {
    cause: error,
  });
}

/** Artifacts in S3 or an S3-compatible store, through the AWS SDK v3 and its usual credential chain. */
export class S3ArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #options: S3Options;
  #client?: Promise<{ s3: S3Module; client: InstanceType<S3Module["S3Client"]> }>;

  constructor(rootUri: string, options: S3Options = {}) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(rootUri);
    if (!m)
      throw MlflowException.invalidParameter(`Not a valid S3 URI: '${rootUri}' (expected s3://bucket/path).`);
    this.rootUri = rootUri;
    this.#bucket = m[1]!;
    this.#prefix = m[2]!.replace(/\/+$/, "");
    this.#options = options;
  }

  #connect() {
    this.#client ??= loadS3().then((s3) => {
      const endpoint = this.#options.endpoint ?? process.env.MLFLOW_S3_ENDPOINT_URL;
      const client = new s3.S3Client({
        region:
          this.#options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        // S3-compatible stores (MinIO, s3rver, R2 …) do not all accept the SDK's default aws-chunked checksums.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      return { s3, client };
    });
    return this.#client;
  }

  #key(relative: string): string {
    return [this.#prefix, relative].filter(Boolean).join("/");
  }

  async listFiles(): Promise<ArtifactFile[]> {
    const { s3, client } = await this.#connect();
    const files: ArtifactFile[] = [];
    const prefix = this.#prefix ? `${this.#prefix}/` : "";
    let token: string | undefined;
    do {
      const page = await client
        .send(new s3.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }))
        .catch((e: unknown) => {
          throw mapS3Error(e, `Listing ${this.rootUri}`);
        });
      for (const obj of page.Contents ?? []) {
        const rel = (obj.Key ?? "").slice(prefix.length);
        if (!rel || rel.endsWith("/")) continue;
        if (!isSafeRelativePath(rel)) {
          throw new MlflowException(
            `Refusing S3 key '${obj.Key}': it would escape the download folder.`,
            "INVALID_STATE",
          );
        }
        files.push({ path: rel, size: obj.Size });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (files.length === 0 && this.#prefix) {
      // The URI may name a single object.
      const head = await client
        .send(new s3.HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix }))
        .catch(() => undefined);
      if (head) return [{ path: "", size: head.ContentLength }];
    }
    return files;
  }

  async download(file: ArtifactFile, localPath: string): Promise<void> {
    const { s3, client } = await this.#connect();
    const key = this.#key(file.path);
    const out = await client
      .send(new s3.GetObjectCommand({ Bucket: this.#bucket, Key: key }))
      .catch((e: unknown) => {
        throw mapS3Error(e, `Downloading s3://${this.#bucket}/${key}`);
      });
    if (!out.Body) throw new MlflowException(`Empty S3 object s3://${this.#bucket}/${key}.`, "DATA_LOSS");
    const web = out.Body.transformToWebStream();
    const headers =
      out.ContentLength === undefined ? undefined : { "content-length": String(out.ContentLength) };
    await writeResponseToFile(new Response(web as ReadableStream, { headers }), localPath, file.size);
  }

  async upload(localPath: string, relativePath: string): Promise<void> {
    const { s3, client } = await this.#connect();
    const { size } = await stat(localPath);
    await client
      .send(
        new s3.PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(relativePath),
          Body: createReadStream(localPath),
          ContentLength: size,
        }),
      )
      .catch((e: unknown) => {
        throw mapS3Error(e, `Uploading to ${this.rootUri}`);
      });
  }
}
