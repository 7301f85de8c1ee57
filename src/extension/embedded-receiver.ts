// The default platform: with no OTLP endpoint configured, "Run with OTel" exports to Loadlens's own
// receiver in the extension host (started on the first such run, bounded store), so the whole story
// works with nothing installed. Its endpoint is printed so the user's application can export there too.
import * as vscode from 'vscode';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../receiver/index.ts';

/** How long trace-updated notices are gathered before they fire: a few times a second at most. */
const UPDATE_BATCH_MS = 250;

export class EmbeddedReceiver implements vscode.Disposable {
  private receiver: Promise<OtlpReceiver> | undefined;
  private readonly output: vscode.OutputChannel;
  private readonly port: () => number;
  private readonly updated = new vscode.EventEmitter<readonly string[]>();
  /** Trace ids that got spans since the last notice; flushed by `updateTimer`. */
  private pendingTraceIds = new Set<string>();
  private updateTimer: NodeJS.Timeout | undefined;

  constructor(output: vscode.OutputChannel, port: () => number) {
    this.output = output;
    this.port = port;
  }

  /** The receiver's base URL, starting it on first use: the configured port, or a free one if that is taken. */
  async endpoint(): Promise<string> {
    this.receiver ??= this.start();
    return (await this.receiver).url;
  }

  /** The running receiver, if any run has started it (tests and, later, the trace view read its store). */
  get current(): Promise<OtlpReceiver> | undefined {
    return this.receiver;
  }

  /** Every stored span of one trace, [] when unknown or when no receiver has started. */
  async trace(traceId: string): Promise<ReceivedSpan[]> {
    if (!this.receiver) return [];
    const receiver = await this.receiver.catch(() => undefined);
    return [...(receiver?.store.getTrace(traceId) ?? [])];
  }

  /** Fires with the trace ids that got new spans (batched; at most a few times a second). */
  onTracesUpdated(listener: (traceIds: readonly string[]) => void): vscode.Disposable {
    return this.updated.event(listener);
  }

  private async start(): Promise<OtlpReceiver> {
    const wanted = this.port();
    let receiver: OtlpReceiver;
    try {
      receiver = await startOtlpReceiver({ port: wanted });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || wanted === 0) throw error;
      receiver = await startOtlpReceiver({ port: 0 });
      this.output.appendLine(`[otel] port ${wanted} is taken (loadlens.otel.receiverPort): using ${receiver.port}`);
    }
    receiver.store.onSpans(spans => this.noteUpdated(spans));
    this.output.appendLine(`[otel] Loadlens OTLP receiver on ${receiver.url} (OTLP/HTTP, protobuf or JSON): point your application's OTEL_EXPORTER_OTLP_ENDPOINT here to see its spans with the load test's`);
    return receiver;
  }

  /** Called for every stored batch, so it only collects ids; the notice goes out on a timer. */
  private noteUpdated(spans: readonly ReceivedSpan[]): void {
    for (const span of spans) this.pendingTraceIds.add(span.traceId);
    this.updateTimer ??= setTimeout(() => {
      this.updateTimer = undefined;
      const ids = [...this.pendingTraceIds];
      this.pendingTraceIds = new Set();
      this.updated.fire(ids);
    }, UPDATE_BATCH_MS);
  }

  dispose(): void {
    clearTimeout(this.updateTimer);
    this.updated.dispose();
    void this.receiver?.then(r => r.close(), () => undefined);
  }
}
