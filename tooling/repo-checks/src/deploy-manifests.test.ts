import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./repo-root.js";

type Doc = Record<string, unknown>;

function loadDocs(relative: string): Doc[] {
  const text = readFileSync(join(repoRoot, relative), "utf8");
  return yaml.loadAll(text, null, { schema: yaml.CORE_SCHEMA }).filter((d): d is Doc => d !== null);
}

function at(doc: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

describe("Kubernetes Deployment + Service", () => {
  const docs = loadDocs("deploy/kubernetes/pyfunc-model.yaml");
  const deployment = docs.find((d) => d.kind === "Deployment");
  const service = docs.find((d) => d.kind === "Service");

  it("has a Deployment and a Service with apiVersions Kubernetes accepts", () => {
    expect(deployment?.apiVersion).toBe("apps/v1");
    expect(service?.apiVersion).toBe("v1");
  });

  it("selects its own pods and the Service targets the same labels", () => {
    const selector = at(deployment, "spec", "selector", "matchLabels");
    expect(at(deployment, "spec", "template", "metadata", "labels")).toEqual(selector);
    expect(at(service, "spec", "selector")).toEqual(selector);
  });

  it("probes readiness and liveness on the Open Inference Protocol health endpoints", () => {
    const container = at(deployment, "spec", "template", "spec", "containers", 0);
    expect(at(container, "readinessProbe", "httpGet", "path")).toBe("/v2/health/ready");
    expect(at(container, "livenessProbe", "httpGet", "path")).toBe("/v2/health/live");
    expect(at(container, "ports", 0, "containerPort")).toBe(8080);
  });
});

describe("KServe ServingRuntime + InferenceService", () => {
  const [runtime] = loadDocs("deploy/kserve/serving-runtime.yaml");
  const [isvc] = loadDocs("deploy/kserve/inference-service.yaml");

  it("declares the v2 protocol and the mlflow model format", () => {
    expect(runtime?.kind).toBe("ServingRuntime");
    expect(runtime?.apiVersion).toBe("serving.kserve.io/v1alpha1");
    expect(at(runtime, "spec", "protocolVersions")).toContain("v2");
    expect(at(runtime, "spec", "supportedModelFormats", 0, "name")).toBe("mlflow");
  });

  it("serves the downloaded model from /mnt/models on 8080", () => {
    const args = at(runtime, "spec", "containers", 0, "args") as string[];
    expect(args.slice(0, 3)).toEqual(["serve", "-m", "/mnt/models"]);
    expect(args).toContain("8080");
    expect(at(runtime, "spec", "containers", 0, "name")).toBe("kserve-container");
  });

  it("binds the InferenceService to the runtime with protocolVersion v2", () => {
    expect(isvc?.kind).toBe("InferenceService");
    expect(isvc?.apiVersion).toBe("serving.kserve.io/v1beta1");
    expect(at(isvc, "spec", "predictor", "model", "runtime")).toBe(at(runtime, "metadata", "name"));
    expect(at(isvc, "spec", "predictor", "model", "protocolVersion")).toBe("v2");
    expect(at(isvc, "spec", "predictor", "model", "modelFormat", "name")).toBe("mlflow");
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const stages = text.split("\n").filter((l) => /^FROM\s/i.test(l));

  it("is multi-stage and runs as a non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const userLines = text.split("\n").filter((l) => /^USER\s/.test(l));
    expect(userLines.at(-1)).not.toMatch(/root/);
  });

  it("serves with `pyfunc serve` on 0.0.0.0:8080 and health-checks /ping", () => {
    const entry = text.split("\n").find((l) => l.startsWith("ENTRYPOINT"));
    expect(entry).toBeDefined();
    const argv = JSON.parse(entry!.slice("ENTRYPOINT".length)) as string[];
    expect(argv).toEqual(expect.arrayContaining(["serve", "0.0.0.0", "8080"]));
    expect(text).toMatch(/HEALTHCHECK[\s\S]*\/ping/);
  });

  it("never lets an install step download binaries (pnpm keeps dependency scripts off)", () => {
    expect(text).not.toMatch(/--enable-pre-post-scripts|ignore-scripts=false/);
    expect(text).toMatch(/pnpm install --frozen-lockfile/);
  });
});
