import { MlflowException } from "@pyfunc/core";
import { isPlainObject } from "./validate.js";

/** Turn a sync or async iterable (or a promise of one) into an async iterable. */
export async function* toAsyncIterable<T>(
  source: AsyncIterable<T> | Iterable<T> | Promise<AsyncIterable<T> | Iterable<T>>,
): AsyncGenerator<T> {
  const it = await source;
  if (it === null || it === undefined || (typeof it !== "object" && typeof it !== "function")) {
    throw new MlflowException("predictStream() must return an iterable or async iterable.", "INTERNAL_ERROR");
  }
  if (Symbol.asyncIterator in it) {
    for await (const x of it as AsyncIterable<T>) yield x;
  } else if (Symbol.iterator in it) {
    for (const x of it as Iterable<T>) yield x;
  } else {
    throw new MlflowException("predictStream() must return an iterable or async iterable.", "INTERNAL_ERROR");
  }
}

export function streamNotImplemented(name: string): never {
  throw new MlflowException(
    `Streaming implementation not provided. Please override the \`predictStream\` method on your ${name} model.`,
    "NOT_IMPLEMENTED",
  );
}

/** One positional argument that is a plain (non-array) object: MLflow's "request dict" call shape. */
export function isDictCall(args: readonly unknown[]): args is [Record<string, unknown>] {
  return args.length === 1 && isPlainObject(args[0]);
}

export function formatIssues(issues: readonly string[]): string {
  return issues.join("; ");
}
