/**
 * CONTRACT DRAFT (to be completed by the MLmodel owner): the parsed MLmodel file.
 * Fields mirror Python's mlflow.models.Model; unknown top-level keys are kept in `extra`.
 */
export type FlavorConfig = Record<string, unknown>;

export class Model {
  artifactPath?: string | null;
  flavors: Record<string, FlavorConfig> = {};
  modelUuid: string | null = null;
  modelId: string | null = null;
  runId?: string | null;
  utcTimeCreated: string | null = null;
  mlflowVersion: string | null = null;
  /** Raw signature block as written (JSON strings), parsed by the signature module. */
  signature?: { inputs: string | null; outputs: string | null; params?: string | null } | null;
  savedInputExampleInfo?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
  modelSizeBytes?: number | null;
  /** Unknown top-level keys, kept for a lossless round trip. */
  extra: Record<string, unknown> = {};
}
