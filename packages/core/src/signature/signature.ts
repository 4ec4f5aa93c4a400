import { MlflowException } from "../errors/mlflow-exception.js";
import { ParamSchema, Schema } from "../schema/types.js";

/** The `signature` block of MLmodel: each key is a JSON string (as MLflow writes it) or null. */
export interface ModelSignatureDict {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
}

/** MLflow `ModelSignature`: input and output schemas plus an optional params schema. */
export class ModelSignature {
  readonly inputs: Schema | null;
  readonly outputs: Schema | null;
  readonly params: ParamSchema | null;

  constructor(inputs?: Schema | null, outputs?: Schema | null, params?: ParamSchema | null) {
    if (inputs != null && !(inputs instanceof Schema)) {
      throw new MlflowException(
        "inputs must be either None or mlflow.models.signature.Schema",
        "INVALID_PARAMETER_VALUE",
      );
    }
    if (outputs != null && !(outputs instanceof Schema)) {
      throw new MlflowException(
        "outputs must be either None or mlflow.models.signature.Schema",
        "INVALID_PARAMETER_VALUE",
      );
    }
    if (params != null && !(params instanceof ParamSchema)) {
      throw new MlflowException(
        "If params are provided, they must by of type ParamSchema",
        "INVALID_PARAMETER_VALUE",
      );
    }
    this.inputs = inputs ?? null;
    this.outputs = outputs ?? null;
    this.params = params ?? null;
  }

  /** `{inputs, outputs, params}` as JSON strings (null when absent), byte for byte as MLflow writes them. */
  toDict(): ModelSignatureDict {
    return {
      inputs: this.inputs ? this.inputs.toJson() : null,
      outputs: this.outputs ? this.outputs.toJson() : null,
      params: this.params && this.params.length > 0 ? this.params.toJson() : null,
    };
  }

  /**
   * Reads the MLmodel `signature` block. Missing keys (e.g. no `params` before MLflow 2.6) and nulls
   * are accepted; each present value may be a JSON string or an already-parsed list.
   */
  static fromDict(d: {
    inputs?: string | readonly unknown[] | null;
    outputs?: string | readonly unknown[] | null;
    params?: string | readonly unknown[] | null;
  }): ModelSignature {
    if (typeof d !== "object" || d === null) {
      throw new MlflowException("signature must be a mapping", "INVALID_PARAMETER_VALUE");
    }
    const inputs = d.inputs ? Schema.fromJson(d.inputs) : null;
    const outputs = d.outputs ? Schema.fromJson(d.outputs) : null;
    const params = d.params ? ParamSchema.fromJson(d.params) : null;
    return new ModelSignature(inputs, outputs, params);
  }

  equals(o: ModelSignature | null | undefined): boolean {
    if (!(o instanceof ModelSignature)) return false;
    const eq = <T extends { equals(x: T | null | undefined): boolean }>(a: T | null, b: T | null) =>
      a === null ? b === null : a.equals(b);
    return eq(this.inputs, o.inputs) && eq(this.outputs, o.outputs) && eq(this.params, o.params);
  }

  toString(): string {
    return `inputs: \n  ${this.inputs?.repr() ?? "None"}\noutputs: \n  ${this.outputs?.repr() ?? "None"}\nparams: \n  ${this.params?.repr() ?? "None"}\n`;
  }
}
