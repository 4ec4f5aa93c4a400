import { once } from "node:events";
import { createWriteStream, existsSync, renameSync, rmSync, statSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { serializePredictions } from "@pyfunc/core/protocol";
import { CliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";

/** Where predictions go: a file (written to a temporary name, renamed on success) or stdout. */
export class OutputSink {
  readonly #stream: NodeJS.WritableStream;
  readonly #path: string | undefined;
  readonly #tmp: string | undefined;
  #error: Error | undefined;

  private constructor(stream: NodeJS.WritableStream, path?: string, tmp?: string) {
    this.#stream = stream;
    this.#path = path;
    this.#tmp = tmp;
    stream.on("error", (e: Error) => {
      this.#error = e;
    });
  }

  static async open(path: string | undefined): Promise<OutputSink> {
    if (path === undefined || path === "-") return new OutputSink(process.stdout);
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new CliError(`Cannot write output '${path}': it is a directory.`, EXIT_CODES.OUTPUT_FAILED);
    }
    const tmp = join(dirname(path), `.${path.split(/[\\/]/).pop()}.${process.pid}.partial`);
    const stream: WriteStream = createWriteStream(tmp);
    try {
      await once(stream, "open");
    } catch (error) {
      throw new CliError(`Cannot write output '${path}': ${messageOf(error)}`, EXIT_CODES.OUTPUT_FAILED, {
        cause: error,
      });
    }
    return new OutputSink(stream, path, tmp);
  }

  get isTerminal(): boolean {
    return this.#path === undefined && process.stdout.isTTY === true;
  }

  get toFile(): boolean {
    return this.#path !== undefined;
  }

  #check(): void {
    if (this.#error) {
      const epipe = (this.#error as { code?: unknown }).code === "EPIPE" && this.#path === undefined;
      throw new CliError(`Cannot write output: ${this.#error.message}`, EXIT_CODES.OUTPUT_FAILED, {
        cause: this.#error,
        quiet: epipe,
      });
    }
  }

  async write(text: string): Promise<void> {
    this.#check();
    if (text.length === 0) return;
    if (!this.#stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#stream.off("drain", done);
          this.#stream.off("error", done);
          resolve();
        };
        this.#stream.on("drain", done);
        this.#stream.on("error", done);
      });
      this.#check();
    }
  }

  /** Finish: flush and (for files) move the complete output into place. */
  async commit(): Promise<void> {
    this.#check();
    if (this.#path === undefined) return;
    const stream = this.#stream as WriteStream;
    await new Promise<void>((resolve, reject) => {
      stream.end((e?: Error | null) => (e ? reject(e) : resolve()));
    }).catch((error: unknown) => {
      throw new CliError(
        `Cannot write output '${this.#path}': ${messageOf(error)}`,
        EXIT_CODES.OUTPUT_FAILED,
        {
          cause: error,
        },
      );
    });
    try {
      renameSync(this.#tmp!, this.#path);
    } catch (error) {
      throw new CliError(
        `Cannot write output '${this.#path}': ${messageOf(error)}`,
        EXIT_CODES.OUTPUT_FAILED,
        {
          cause: error,
        },
      );
    }
  }

  /** On failure: drop a partial output file. */
  abort(): void {
    if (this.#tmp === undefined) return;
    (this.#stream as WriteStream).destroy();
    rmSync(this.#tmp, { force: true });
  }
}

interface Framing {
  prefix: string;
  suffix: string;
  separator: string;
}

let framing: Framing | undefined;

/**
 * How the server's serializer frames predictions, derived from serializePredictions itself so streamed output
 * is byte-identical to what the server answers for the same rows: `prefix + X + suffix` and array separators.
 */
export function predictionFraming(): Framing {
  if (framing) return framing;
  const sentinel = "__pyfunc_cli_sentinel__";
  const quoted = JSON.stringify(sentinel);
  const wrapped = serializePredictions(sentinel, { unwrapped: false });
  const at = wrapped.indexOf(quoted);
  const pair = serializePredictions([`${sentinel}1`, `${sentinel}2`], { unwrapped: true });
  const a = pair.indexOf(JSON.stringify(`${sentinel}1`));
  const b = pair.indexOf(JSON.stringify(`${sentinel}2`));
  if (at === -1 || a === -1 || b === -1) {
    framing = { prefix: '{"predictions": ', suffix: "}", separator: ", " };
  } else {
    framing = {
      prefix: wrapped.slice(0, at),
      suffix: wrapped.slice(at + quoted.length),
      separator: pair.slice(a + JSON.stringify(`${sentinel}1`).length, b),
    };
  }
  return framing;
}

/**
 * Writes the predictions of consecutive chunks as one `{"predictions": [...]}` document, streaming: each chunk's
 * array items are appended as they come, so output memory stays bounded. A single chunk is written exactly as
 * the server would answer it; a non-array output (e.g. a dict of tensors) can only come from a single chunk.
 */
export class PredictionStreamWriter {
  readonly #sink: OutputSink;
  readonly #framing = predictionFraming();
  #started = false;
  #anyItem = false;
  #held: string | undefined;
  #chunks = 0;

  constructor(sink: OutputSink) {
    this.#sink = sink;
  }

  /** Append the bare predictions (unwrapped JSON) of the next chunk. */
  async writeChunk(json: string): Promise<void> {
    this.#chunks++;
    const t = json.trim();
    const isArray = t.startsWith("[") && t.endsWith("]");
    if (!isArray) {
      if (this.#chunks === 1) {
        this.#held = t;
        return;
      }
      throw this.#notArray();
    }
    if (this.#held !== undefined) throw this.#notArray();
    const inner = t.slice(1, -1);
    let text = "";
    if (!this.#started) {
      text += `${this.#framing.prefix}[`;
      this.#started = true;
    }
    if (inner.trim().length > 0) {
      if (this.#anyItem) text += this.#framing.separator;
      text += inner;
      this.#anyItem = true;
    }
    await this.#sink.write(text);
  }

  async finish(): Promise<void> {
    if (this.#held !== undefined) {
      await this.#sink.write(`${this.#framing.prefix}${this.#held}${this.#framing.suffix}`);
    } else if (!this.#started) {
      await this.#sink.write(`${this.#framing.prefix}[]${this.#framing.suffix}`);
    } else {
      await this.#sink.write(`]${this.#framing.suffix}`);
    }
  }

  #notArray(): CliError {
    return new CliError(
      "The model returns a non-list output (e.g. a dict of named outputs), which cannot be streamed chunk by chunk. " +
        "Predict the whole input in one call with --chunk-size 0.",
      EXIT_CODES.PREDICT_FAILED,
    );
  }
}
