import { SingleBar } from "cli-progress";

/** A progress bar on stderr (only when enabled: stderr is a terminal and output is not the terminal/pipe). */
export class Progress {
  readonly #bar: SingleBar | undefined;
  readonly #started = Date.now();
  #bytes = 0;
  #rows = 0;

  constructor(enabled: boolean, totalBytes: number | undefined) {
    if (!enabled) return;
    const known = totalBytes !== undefined && totalBytes > 0;
    this.#bar = new SingleBar({
      stream: process.stderr,
      format: known
        ? "predict [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}"
        : "predict {rows} rows | {rate} rows/s | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    });
    this.#bar.start(known ? totalBytes : 0, 0, { rows: 0, rate: 0 });
  }

  update(bytes: number, rows: number): void {
    this.#bytes += bytes;
    this.#rows += rows;
    if (!this.#bar) return;
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    this.#bar.update(this.#bytes, { rows: this.#rows, rate: Math.round(this.#rows / seconds) });
  }

  get rows(): number {
    return this.#rows;
  }

  stop(): void {
    this.#bar?.stop();
  }
}
