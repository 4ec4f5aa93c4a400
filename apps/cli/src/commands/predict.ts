import { createReadStream, existsSync, statSync } from "node:fs";
import { isMlflowException, type Params } from "@pyfunc/core";
import { localModelPath } from "@pyfunc/core/artifacts";
import { CliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { openModel, readLocalMLmodel } from "../model.js";
import {
  type Chunk,
  type Chunker,
  CsvChunker,
  JsonLinesChunker,
  JsonLinesError,
} from "../predict/chunker.js";
import { PayloadPredictor } from "../predict/engine.js";
import { OutputSink, PredictionStreamWriter } from "../predict/output.js";
import { WorkerPool } from "../predict/pool.js";
import { Progress } from "../predict/progress.js";

export type InputFormat = "json" | "csv" | "jsonl" | "parquet";

export const CONTENT_TYPES: Record<InputFormat, string> = {
  json: "application/json",
  csv: "text/csv",
  jsonl: "application/json",
  parquet: "application/vnd.apache.parquet",
};

export interface PredictOptions {
  modelUri: string;
  inputPath?: string;
  outputPath?: string;
  contentType?: string;
  params?: string;
  workers?: string;
  chunkSize?: string;
  progress?: boolean;
  plugin?: string[];
  envManager?: string;
}

/** `-t` value → input format; without -t the file extension decides (.csv, .jsonl/.ndjson, .parquet), else json. */
export function inputFormat(contentType: string | undefined, inputPath: string | undefined): InputFormat {
  if (contentType !== undefined) {
    const t = contentType.trim().toLowerCase().split(";")[0]!.trim();
    const byName: Record<string, InputFormat> = {
      json: "json",
      "application/json": "json",
      csv: "csv",
      "text/csv": "csv",
      jsonl: "jsonl",
      ndjson: "jsonl",
      "application/jsonl": "jsonl",
      "application/x-ndjson": "jsonl",
      parquet: "parquet",
      "application/vnd.apache.parquet": "parquet",
    };
    const f = byName[t];
    if (!f) {
      throw new CliError(
        `Unsupported content type '${contentType}'. Use one of: json, csv, jsonl, parquet.`,
        EXIT_CODES.USAGE,
      );
    }
    return f;
  }
  const p = (inputPath ?? "").toLowerCase();
  if (p.endsWith(".csv")) return "csv";
  if (p.endsWith(".jsonl") || p.endsWith(".ndjson")) return "jsonl";
  if (p.endsWith(".parquet")) return "parquet";
  return "json";
}

export function parseJsonObjectOption(
  name: string,
  text: string | undefined,
): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${name} must be a JSON object: ${messageOf(error)}`, EXIT_CODES.USAGE);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(`${name} must be a JSON object, e.g. '{"temperature": 0.5}'.`, EXIT_CODES.USAGE);
  }
  return value as Record<string, unknown>;
}

export function parseCount(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(`${name} must be an integer >= ${min}, got '${text}'.`, EXIT_CODES.USAGE);
  }
  return n;
}

function openInput(inputPath: string | undefined): {
  stream: AsyncIterable<Buffer>;
  size: number | undefined;
} {
  if (inputPath === undefined || inputPath === "-") return { stream: process.stdin, size: undefined };
  checkInputFile(inputPath);
  return {
    stream: createReadStream(inputPath, { highWaterMark: 1 << 20 }),
    size: statSync(inputPath).size,
  };
}

export function checkInputFile(inputPath: string): void {
  if (!existsSync(inputPath))
    throw new CliError(`Input file not found: ${inputPath}`, EXIT_CODES.INPUT_NOT_FOUND);
  if (statSync(inputPath).isDirectory()) {
    throw new CliError(`Input path is a directory, not a file: ${inputPath}`, EXIT_CODES.INPUT_NOT_FOUND);
  }
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    throw new CliError(`Cannot read input: ${messageOf(error)}`, EXIT_CODES.INPUT_NOT_FOUND, {
      cause: error,
    });
  }
  return Buffer.concat(parts);
}

function withRecords(error: unknown, chunk: Chunk, format: InputFormat): unknown {
  if (!(error instanceof CliError) || chunk.rows === 0) return error;
  const unit = format === "csv" ? "records" : "lines";
  const last = chunk.firstRecord + chunk.rows - 1;
  const e = new CliError(
    `${error.message}\n(in input ${unit} ${chunk.firstRecord}-${last})`,
    error.exitCode,
    {
      errorCode: error.errorCode,
    },
  );
  if (error.stack) e.stack = error.stack;
  return e;
}

/** `pyfunc predict`: as `mlflow models predict`, with chunked streaming for CSV and JSON Lines. */
export async function runPredict(options: PredictOptions): Promise<void> {
  const params: Params | undefined = parseJsonObjectOption("--params", options.params);
  const format = inputFormat(options.contentType, options.inputPath);
  const workers = parseCount("--workers", options.workers, 1, 1);
  const chunkSize = parseCount("--chunk-size", options.chunkSize, 10_000, 0);
  const plugins = options.plugin ?? [];
  const contentType = CONTENT_TYPES[format];

  const input = openInput(options.inputPath);
  const streamed = (format === "csv" || format === "jsonl") && chunkSize > 0;
  let sink: OutputSink | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    sink?.abort();
    process.stderr.write(`\npyfunc predict: ${signal} received, stopped\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  sink = await OutputSink.open(options.outputPath);
  const showProgress = options.progress !== false && process.stderr.isTTY === true && sink.toFile && streamed;

  try {
    if (!streamed) {
      const model = await openModel(options.modelUri, { plugins });
      try {
        const chunker = format === "jsonl" ? new JsonLinesChunker(0) : undefined;
        let body: Buffer;
        if (chunker) {
          const chunks: Chunk[] = [];
          for await (const data of input.stream) chunks.push(...chunker.push(data));
          chunks.push(...chunker.end());
          body = chunks[0]!.body;
        } else {
          body = await readAll(input.stream);
        }
        const result = await new PayloadPredictor(model, params).run(body, contentType, true);
        await sink.write(result.json);
        if (sink.isTerminal) await sink.write("\n");
      } finally {
        await model.close();
      }
    } else {
      await predictStreamed({
        modelUri: options.modelUri,
        input,
        format,
        contentType,
        chunkSize,
        workers,
        params,
        plugins,
        sink,
        progress: new Progress(showProgress, input.size),
      });
    }
    await sink.commit();
  } catch (error) {
    sink.abort();
    if (error instanceof JsonLinesError) throw new CliError(error.message, EXIT_CODES.BAD_INPUT);
    throw error;
  }
}

interface StreamedJob {
  modelUri: string;
  input: { stream: AsyncIterable<Buffer> };
  format: InputFormat;
  contentType: string;
  chunkSize: number;
  workers: number;
  params: Params | undefined;
  plugins: string[];
  sink: OutputSink;
  progress: Progress;
}

async function predictStreamed(job: StreamedJob): Promise<void> {
  const chunker: Chunker =
    job.format === "csv" ? new CsvChunker(job.chunkSize) : new JsonLinesChunker(job.chunkSize);
  const writer = new PredictionStreamWriter(job.sink);
  let predict: (chunk: Chunk) => Promise<string>;
  let close: () => Promise<void>;
  let maxInflight: number;

  if (job.workers > 1) {
    // Fail fast (exit 3/4) on a missing or invalid model before starting threads, and download a remote
    // model once (not once per worker).
    const local = await readLocalMLmodel(job.modelUri);
    let modelUri = job.modelUri;
    if (!local) {
      try {
        modelUri = await localModelPath(job.modelUri);
      } catch (error) {
        const notFound = isMlflowException(error) && error.errorCode === "RESOURCE_DOES_NOT_EXIST";
        throw new CliError(
          `Cannot resolve model '${job.modelUri}': ${messageOf(error)}`,
          notFound ? EXIT_CODES.MODEL_NOT_FOUND : EXIT_CODES.MODEL_LOAD_FAILED,
          { cause: error },
        );
      }
    }
    const pool = await WorkerPool.start(job.workers, {
      modelUri,
      params: job.params,
      plugins: job.plugins,
      modelConfig: undefined,
    });
    predict = (chunk) => pool.submit(chunk.body, job.contentType);
    close = () => pool.close();
    maxInflight = job.workers * 2;
  } else {
    const model = await openModel(job.modelUri, { plugins: job.plugins });
    const predictor = new PayloadPredictor(model, job.params);
    predict = async (chunk) => (await predictor.run(chunk.body, job.contentType, false)).json;
    close = () => model.close();
    maxInflight = 1;
  }

  const inflight: { chunk: Chunk; result: Promise<string> }[] = [];
  const drainOne = async (): Promise<void> => {
    const head = inflight.shift()!;
    let json: string;
    try {
      json = await head.result;
    } catch (error) {
      throw withRecords(error, head.chunk, job.format);
    }
    await writer.writeChunk(json);
    job.progress.update(head.chunk.bytes, head.chunk.rows);
  };
  const submit = async (chunk: Chunk): Promise<void> => {
    const result = predict(chunk);
    result.catch(() => {}); // handled when drained, in input order
    inflight.push({ chunk, result });
    while (inflight.length >= maxInflight) await drainOne();
  };

  try {
    try {
      for await (const data of job.input.stream) {
        for (const chunk of chunker.push(data)) await submit(chunk);
      }
    } catch (error) {
      if (error instanceof CliError || error instanceof JsonLinesError) throw error;
      throw new CliError(`Cannot read input: ${messageOf(error)}`, EXIT_CODES.INPUT_NOT_FOUND, {
        cause: error,
      });
    }
    for (const chunk of chunker.end()) await submit(chunk);
    while (inflight.length > 0) await drainOne();
    await writer.finish();
    if (job.sink.isTerminal) await job.sink.write("\n");
  } finally {
    job.progress.stop();
    await close();
  }
}
