/**
 * NDJSON output (`--json`): one JSON object per line, for jq, log shippers and other programs.
 */
import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from './output.ts';

/** One line of the NDJSON stream: a snapshot per `add`, then exactly one report as the last line. */
export type NdjsonLine =
  | { type: 'snapshot'; snapshot: StatsSnapshot }
  | { type: 'report'; report: RunReport };

export interface NdjsonOutputOptions {
  /** End the stream after the report line (for a file stream the output owns); never for stdout. Default false. */
  end?: boolean;
}

/**
 * Writes `{"type":"snapshot",...}` per `add` and `{"type":"report",...}` at `stop`.
 *
 * `add` writes and returns: if the reader is slow, lines queue in the stream's buffer (about one a
 * second, so the queue stays small) rather than holding up the run. `stop` resolves once the report
 * line has been handed to the underlying file or pipe (and the stream finished, with `end`), and
 * rejects if the stream failed at any point; after a failure `add` writes nothing more.
 */
export class NdjsonOutput implements Output {
  readonly #stream: NodeJS.WritableStream;
  readonly #end: boolean;
  #error: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#error ??= error;
  };
  /** The reader closed the pipe (`--json | head -1`): what it wanted it has; nothing more to write, and no failure. */
  #readerGone(): boolean {
    return (this.#error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
  }

  constructor(stream: NodeJS.WritableStream, options: NdjsonOutputOptions = {}) {
    this.#stream = stream;
    this.#end = options.end ?? false;
  }

  start(_header: RunHeader): void {
    // Without a listener a failing stream (EPIPE, disk full) would throw from an 'error' event and end the run.
    this.#stream.on('error', this.#onError);
  }

  add(snapshot: StatsSnapshot): void {
    if (this.#error) return;
    this.#stream.write(line({ type: 'snapshot', snapshot }));
  }

  async stop(report: RunReport): Promise<void> {
    // The error listener stays attached: a stream that fails after the report must not crash the engine either.
    if (this.#readerGone()) return;
    if (this.#error) throw this.#error;
    await new Promise<void>((resolve, reject) => {
      this.#stream.write(line({ type: 'report', report }), (error) => {
        if (error) this.#error ??= error;
        if (error && !this.#readerGone()) reject(error);
        else resolve();
      });
    });
    if (this.#end) await new Promise<void>((resolve) => this.#stream.end(resolve));
    if (this.#error && !this.#readerGone()) throw this.#error;
  }
}

function line(value: NdjsonLine): string {
  return `${JSON.stringify(value)}\n`;
}
