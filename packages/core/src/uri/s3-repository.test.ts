import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveModelUri } from "./resolve.js";
import { S3ArtifactRepository } from "./s3-repository.js";

let s3rver: S3rver;
let endpoint: string;
let work: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "pyfunc-s3-"));
  s3rver = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(work, "store"),
    configureBuckets: [{ name: "models", configs: [] }],
  });
  const { port } = await s3rver.run();
  endpoint = `http://127.0.0.1:${port}`;
  // s3rver's fixed credentials; the SDK reads them through its usual credential chain (environment).
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "MLFLOW_S3_ENDPOINT_URL"])
    saved[k] = process.env[k];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_REGION: "us-east-1",
    MLFLOW_S3_ENDPOINT_URL: endpoint,
  });
  const client = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1" });
  for (const [key, body] of [
    [
      "mlflow/1/run/artifacts/model/MLmodel",
      "flavors:\n  python_function:\n    loader_module: mlflow.onnx\n",
    ],
    ["mlflow/1/run/artifacts/model/model.onnx", "onnx-bytes"],
    ["mlflow/1/run/artifacts/model/code/helper.py", "x = 1\n"],
  ] as const) {
    await client.send(new PutObjectCommand({ Bucket: "models", Key: key, Body: body }));
  }
});

afterAll(async () => {
  await s3rver.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(work, { recursive: true, force: true });
});

describe("S3 artifact repository (real AWS SDK against an S3-compatible server)", () => {
  it("downloads every object under an s3:// prefix into a model folder", async () => {
    const dir = await resolveModelUri("s3://models/mlflow/1/run/artifacts/model", {
      dstPath: join(work, "dl"),
    });
    expect(await readFile(join(dir, "MLmodel"), "utf8")).toContain("mlflow.onnx");
    expect(await readFile(join(dir, "code", "helper.py"), "utf8")).toBe("x = 1\n");
  });

  it("uploads a file and lists it back with its size", async () => {
    const repo = new S3ArtifactRepository("s3://models/uploaded");
    const local = join(work, "upload.bin");
    await import("node:fs/promises").then((fs) => fs.writeFile(local, Buffer.alloc(1000, 7)));
    await repo.upload(local, "dir/upload.bin");
    expect(await repo.listFiles()).toEqual([{ path: "dir/upload.bin", size: 1000 }]);
  });

  it("reports a missing bucket or prefix as RESOURCE_DOES_NOT_EXIST", async () => {
    const missingPrefix = resolveModelUri("s3://models/nothing/here", { dstPath: join(work, "none") });
    await expect(missingPrefix).rejects.toMatchObject({ errorCode: "RESOURCE_DOES_NOT_EXIST" });
    const missingBucket = resolveModelUri("s3://no-such-bucket/x", { dstPath: join(work, "none2") });
    await expect(missingBucket).rejects.toBeInstanceOf(MlflowException);
  });
});
