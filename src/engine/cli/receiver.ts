/**
 * `loadlens run --receiver PORT [--forward URL]`: the run's own OTLP/HTTP receiver (src/receiver, the
 * one the editor embeds) on 127.0.0.1. The application exports its spans there; every span feeds the
 * breakdown (where each request row's time went); after the load the run waits, bounded, for the spans
 * applications still hold in their batches; then the report gets the breakdown per row, the span
 * thresholds and what the receiver got (`RunReport.receiver`).
 */
import { Forwarder, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../receiver/index.ts';
import type { LateSpanWaitEnd, ReceiverSummary } from '../../shared/receiver-summary.ts';
import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from '../outputs/output.ts';

export interface RunReceiverOptions {
  /** 0: a free port. */
  port: number;
  /** `--forward URL`: everything received goes on there too, unchanged. */
  forward?: string;
  /** The wait for late spans ends after this long without a span. */
  quietMs: number;
  /** ... and after this long in any case; 0: no wait. */
  maxWaitMs: number;
}

/** What consumes every received span: the breakdown's aggregator. */
export interface SpanConsumer {
  add(spans: readonly ReceivedSpan[]): void;
  /** Adds what it learned to the report: each row's breakdown, what it could not use, the span thresholds. */
  finish(report: RunReport): void;
}

/** How often the wait looks at the clock. */
const WAIT_TICK_MS = 100;
/** How long the forwarder may take to pass on what it still holds once the run is over. */
const FORWARD_DRAIN_MS = 5000;

export class RunReceiver {
  readonly url: string;
  private readonly receiver: OtlpReceiver;
  private readonly forwarder: Forwarder | undefined;
  private readonly consumer: SpanConsumer;
  private readonly options: RunReceiverOptions;
  private spansReceived = 0;
  private lastSpanAt = performance.now();
  private wait: { lateSpans: number; waitedMs: number; ended: LateSpanWaitEnd } = { lateSpans: 0, waitedMs: 0, ended: 'off' };
  private finishing: Promise<void> | undefined;
  /** True while the run waits for late spans: a Ctrl+C then ends the wait, not the run. */
  waiting = false;

  private constructor(receiver: OtlpReceiver, forwarder: Forwarder | undefined, consumer: SpanConsumer, options: RunReceiverOptions) {
    this.receiver = receiver;
    this.url = receiver.url;
    this.forwarder = forwarder;
    this.consumer = consumer;
    this.options = options;
  }

  /** Listens on 127.0.0.1:`port`; rejects with the server's error (EADDRINUSE, EACCES). */
  static async start(options: RunReceiverOptions, consumer: SpanConsumer): Promise<RunReceiver> {
    const forwarder = options.forward === undefined ? undefined : new Forwarder({ url: options.forward });
    // The receiver calls back into the RunReceiver made from it: spans only come once it listens.
    const made: { self?: RunReceiver } = {};
    const receiver = await startOtlpReceiver({
      port: options.port,
      host: '127.0.0.1',
      forward: forwarder,
      onSpans: spans => made.self?.take(spans),
    });
    made.self = new RunReceiver(receiver, forwarder, consumer, options);
    return made.self;
  }

  private take(spans: readonly ReceivedSpan[]): void {
    this.spansReceived += spans.length;
    this.lastSpanAt = performance.now();
    if (this.waiting) this.wait.lateSpans += spans.length;
    this.consumer.add(spans);
  }

  /**
   * Waits for the spans applications still hold (they export in batches): until `quietMs` without a
   * span, at most `maxWaitMs`, or at once on Ctrl+C. Says so on `say`.
   */
  async waitForLateSpans(say: (line: string) => void): Promise<void> {
    const { quietMs, maxWaitMs } = this.options;
    if (maxWaitMs <= 0) return;
    const started = performance.now();
    this.waiting = true;
    this.lastSpanAt = Math.max(this.lastSpanAt, started);
    say(`loadlens: waiting for late spans at ${this.url} (until ${seconds(quietMs)} without one, at most ${seconds(maxWaitMs)}; Ctrl+C to stop waiting)…`);
    const ended = await new Promise<LateSpanWaitEnd>(resolve => {
      const onSignal = () => finish('interrupted');
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - started >= maxWaitMs) finish('limit');
        else if (now - this.lastSpanAt >= quietMs) finish('quiet');
      }, Math.min(WAIT_TICK_MS, quietMs));
      const finish = (why: LateSpanWaitEnd) => {
        clearInterval(timer);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve(why);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    this.waiting = false;
    this.wait = { ...this.wait, waitedMs: performance.now() - started, ended };
    say(`loadlens: ${this.wait.lateSpans} late span${this.wait.lateSpans === 1 ? '' : 's'} in ${seconds(this.wait.waitedMs)}${ended === 'interrupted' ? ' (stopped waiting: Ctrl+C)' : ended === 'limit' ? ' (the limit; spans arriving later are not in the report)' : ''}`);
  }

  /**
   * Once per report: waits for late spans, then adds the breakdown, the span thresholds and the
   * receiver's summary to it (in place, so the exit code sees the span thresholds too).
   */
  finishReport(report: RunReport, say: (line: string) => void): Promise<void> {
    this.finishing ??= (async () => {
      await this.waitForLateSpans(say);
      this.consumer.finish(report);
      report.receiver = this.summary();
    })();
    return this.finishing;
  }

  summary(): ReceiverSummary {
    return {
      url: this.url,
      spansReceived: this.spansReceived,
      lateSpans: this.wait.lateSpans,
      waitedMs: Math.round(this.wait.waitedMs),
      waitEnded: this.wait.ended,
      ...(this.forwarder ? { forward: this.forwarder.stats() } : {}),
    };
  }

  /** Passes on what the forwarder still holds (bounded), then stops listening. */
  async close(): Promise<void> {
    if (this.forwarder) {
      await this.forwarder.drain(FORWARD_DRAIN_MS);
      this.forwarder.close();
    }
    await this.receiver.close();
  }

  /** The run's outputs, each of which first waits for the report to be finished (see finishReport). */
  wrapOutputs(outputs: () => Output[], say: (line: string) => void): () => Output[] {
    return () => outputs().map(output => new FinishingOutput(output, report => this.finishReport(report, say)));
  }
}

/** An output whose `stop` gets the report only once the receiver has finished it. */
class FinishingOutput implements Output {
  private readonly inner: Output;
  private readonly finish: (report: RunReport) => Promise<void>;

  constructor(inner: Output, finish: (report: RunReport) => Promise<void>) {
    this.inner = inner;
    this.finish = finish;
  }

  start(header: RunHeader): void {
    this.inner.start(header);
  }

  add(snapshot: StatsSnapshot): void {
    this.inner.add(snapshot);
  }

  async stop(report: RunReport): Promise<void> {
    await this.finish(report);
    await this.inner.stop(report);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
