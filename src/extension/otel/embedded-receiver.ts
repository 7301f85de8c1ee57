// The default platform: with no OTLP endpoint configured, "Run with OTel" exports to Loadlens's own
// receiver, started on the first such run. It runs on a worker thread (src/receiver/worker.ts): the
// HTTP server, the protobuf decoding and the bounded trace store stay off the extension host's thread,
// so a run tracing every request at full speed does not stall the editor. Its endpoint is shown in
// the results panel so the user's application can export there too.
import * as vscode from 'vscode';
// Not the receiver's index: the extension bundle needs only the worker's client, not the decoder.
import type { ReceivedSpan } from '../../shared/spans.ts';
import { startReceiverWorker, type ReceiverWorker } from '../../receiver/worker-client.ts';

/** What the receiver is started with, read when the first run needs it. */
export interface EmbeddedReceiverSettings {
  /** `loadlens.otel.receiverPort`: 0 for a free port; a taken fixed port falls back to a free one. */
  port: number;
  /** `loadlens.otel.receiverBudgetMB`, in bytes. */
  budgetBytes: number;
  /** `loadlens.otel.forward`: '' or the OTLP/HTTP base URL everything received is passed on to. */
  forward: string;
}

export class EmbeddedReceiver implements vscode.Disposable {
  private receiver: Promise<ReceiverWorker> | undefined;
  private readonly output: vscode.OutputChannel;
  private readonly settings: () => EmbeddedReceiverSettings;
  private readonly workerFile: string;
  private readonly updateListeners = new Set<(traceIds: readonly string[]) => void>();
  /** The one subscription to the worker's updates, held while anyone listens. */
  private forwarding: vscode.Disposable | undefined;
  private disposed = false;

  /** `workerFile`: dist/receiver-worker.js of the installed extension. */
  constructor(output: vscode.OutputChannel, settings: () => EmbeddedReceiverSettings, workerFile: string) {
    this.output = output;
    this.settings = settings;
    this.workerFile = workerFile;
  }

  /** The receiver's base URL, starting it on first use; each run applies the current `loadlens.otel.forward`. */
  async endpoint(): Promise<string> {
    if (this.receiver === undefined) {
      this.receiver = this.start();
      // A failed start is reported by the caller; the next run tries again.
      this.receiver.catch(() => (this.receiver = undefined));
    }
    const receiver = await this.receiver;
    receiver.setForward(this.settings().forward);
    return receiver.url;
  }

  /** The running receiver, if a run has started it (the integration tests query it). */
  get current(): Promise<ReceiverWorker> | undefined {
    return this.receiver;
  }

  /** Every stored span of one trace, [] when unknown or when no receiver has started. */
  async trace(traceId: string): Promise<ReceivedSpan[]> {
    if (this.receiver === undefined) return [];
    try {
      return await (await this.receiver).trace(traceId);
    } catch (error) {
      this.output.appendLine(`[otel] could not read trace ${traceId} from the embedded receiver: ${(error as Error).message}`);
      return [];
    }
  }

  /** Fires with the trace ids that got new spans (batched; at most a few times a second). */
  onTracesUpdated(listener: (traceIds: readonly string[]) => void): vscode.Disposable {
    this.updateListeners.add(listener);
    void this.forward();
    return new vscode.Disposable(() => {
      this.updateListeners.delete(listener);
      if (this.updateListeners.size === 0) {
        this.forwarding?.dispose();
        this.forwarding = undefined;
      }
    });
  }

  /** Subscribes to the worker's updates once it runs and somebody listens; the worker only tracks them meanwhile. */
  private async forward(): Promise<void> {
    const receiver = await this.receiver?.catch(() => undefined);
    if (receiver === undefined || this.forwarding !== undefined || this.updateListeners.size === 0) return;
    this.forwarding = receiver.onTracesUpdated(traceIds => {
      for (const listener of this.updateListeners) listener(traceIds);
    });
  }

  private async start(): Promise<ReceiverWorker> {
    const { port, budgetBytes, forward } = this.settings();
    const receiver = await startReceiverWorker({ workerFile: this.workerFile, port, budgetBytes, forward });
    if (forward !== '') this.output.appendLine(`[otel] the embedded receiver passes everything it receives on to ${forward} (loadlens.otel.forward)`);
    void receiver.exited.then(reason => {
      if (this.disposed) return;
      this.output.appendLine(`[otel] the embedded receiver stopped (${reason}); the next run starts a new one`);
      this.forwarding = undefined;
      if (this.receiver !== undefined) void this.receiver.then(current => current === receiver && (this.receiver = undefined), () => undefined);
    });
    if (receiver.wantedPortTaken) this.output.appendLine(`[otel] port ${port} is taken (loadlens.otel.receiverPort): using ${receiver.port}`);
    this.output.appendLine(`[otel] Loadlens OTLP receiver on ${receiver.url} (OTLP/HTTP, protobuf or JSON; keeps ${Math.round(budgetBytes / 1024 / 1024)} MB of traces): point your application's OTEL_EXPORTER_OTLP_ENDPOINT here to see its spans with the load test's`);
    queueMicrotask(() => void this.forward());
    return receiver;
  }

  dispose(): void {
    this.disposed = true;
    this.forwarding?.dispose();
    this.updateListeners.clear();
    void this.receiver?.then(r => r.close(), () => undefined);
  }
}
