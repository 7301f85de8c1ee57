// The default platform: with no OTLP endpoint configured, "Run with OTel" exports to Loadlens's own
// receiver, started on the first such run. It runs on a worker thread (src/receiver/worker.ts): the
// HTTP server, the protobuf decoding and the bounded trace store stay off the extension host's thread,
// so a run tracing every request at full speed does not stall the editor. Its endpoint is shown in
// the results panel so the user's application can export there too.
import * as vscode from 'vscode';
// Not the receiver's index: the extension bundle needs only the worker's client, not the decoder.
import type { ReceivedSpan } from '../../shared/spans.ts';
import { startReceiverWorker, type ReceiverWorker } from '../../receiver/worker-client.ts';
import type { LateSpanWait } from '../../receiver/run-breakdowns.ts';
import type { RunBreakdownFinal, RunBreakdownState } from '../../shared/breakdown/live.ts';

/** workspaceState key of the port the embedded receiver listened on last in this workspace. */
const LAST_PORT_KEY = 'loadlens.otel.lastReceiverPort';
import type { SpanFilter } from '../../shared/breakdown/types.ts';
import type { ReceiverBreakdown } from '../../shared/protocol.ts';

/** What the receiver is started with, read when the first run needs it. */
export interface EmbeddedReceiverSettings {
  /**
   * `loadlens.otel.receiverPort` (default 4318, OTLP/HTTP's standard port): used when free; else the
   * port this workspace used last (so an application configured once keeps exporting here), else a
   * free one. 0: a free one each time.
   */
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

  private readonly memory: vscode.Memento | undefined;
  private readonly breakdownListeners = new Set<(state: RunBreakdownState) => void>();

  /**
   * `workerFile`: dist/receiver-worker.js of the installed extension. `memory`: the workspace's state,
   * where the port it listened on last is kept.
   */
  constructor(output: vscode.OutputChannel, settings: () => EmbeddedReceiverSettings, workerFile: string, memory?: vscode.Memento) {
    this.output = output;
    this.settings = settings;
    this.workerFile = workerFile;
    this.memory = memory;
  }

  /**
   * Breaks the run's requests down from now on (its spans carry `loadlens.run.id` = runId): the
   * receiver must be running (`endpoint()` first).
   */
  async beginBreakdown(runId: string): Promise<void> {
    const receiver = await this.receiver?.catch(() => undefined);
    receiver?.beginBreakdown(runId);
  }

  /** The breakdowns of open runs, at most once a second each while they change. */
  onBreakdown(listener: (state: RunBreakdownState) => void): vscode.Disposable {
    this.breakdownListeners.add(listener);
    return new vscode.Disposable(() => this.breakdownListeners.delete(listener));
  }

  /**
   * The run's load ended: its final breakdown once the wait for late spans is over (at once when no
   * span of the application came); undefined when the receiver is gone.
   */
  async finishBreakdown(runId: string, wait: LateSpanWait): Promise<RunBreakdownFinal | undefined> {
    const receiver = await this.receiver?.catch(() => undefined);
    if (receiver === undefined) return undefined;
    try {
      return await receiver.finishBreakdown(runId, wait);
    } catch (error) {
      this.output.appendLine(`[otel] the breakdown of run ${runId} is lost: ${(error as Error).message}`);
      return undefined;
    }
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

  /**
   * A run that exports here starts: the breakdown (where each row's time went, from every span the
   * receiver gets) starts over for the requests of `runId`. Nothing when no receiver has started.
   */
  async startBreakdown(runId: string): Promise<void> {
    (await this.receiver?.catch(() => undefined))?.startBreakdown(runId);
  }

  /**
   * The breakdown of the run started last: per row key (`'GET /product/{id}'`) its `RequestBreakdown`,
   * with `final` once the run's wait for late spans is over; `filters` (span thresholds) are answered
   * with the durations of the spans they match. Undefined when no receiver has started.
   */
  async breakdown(options: { final?: boolean; filters?: SpanFilter[] } = {}): Promise<ReceiverBreakdown | undefined> {
    const receiver = await this.receiver?.catch(() => undefined);
    if (receiver === undefined) return undefined;
    try {
      return await receiver.breakdown(options);
    } catch (error) {
      this.output.appendLine(`[otel] could not read the breakdown from the embedded receiver: ${(error as Error).message}`);
      return undefined;
    }
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
    const lastPort = this.memory?.get<number>(LAST_PORT_KEY);
    const fallbackPorts = port !== 0 && lastPort !== undefined && lastPort !== port ? [lastPort] : [];
    const receiver = await startReceiverWorker({ workerFile: this.workerFile, port, budgetBytes, forward, fallbackPorts });
    receiver.onBreakdown(state => {
      for (const listener of this.breakdownListeners) listener(state);
    });
    if (port !== 0) {
      void this.memory?.update(LAST_PORT_KEY, receiver.port);
      if (lastPort !== undefined && lastPort !== receiver.port) {
        // An application configured for the old port now loses its spans: say so where it cannot be missed.
        const message = `Loadlens: the OTLP receiver moved from port ${lastPort} to ${receiver.port} (port ${port}${lastPort === port ? '' : ` and ${lastPort}`} taken). ` +
          `Point your application's OTEL_EXPORTER_OTLP_ENDPOINT at ${receiver.url}, or free port ${port} (loadlens.otel.receiverPort).`;
        this.output.appendLine(`[otel] ${message}`);
        void vscode.window.showWarningMessage(message);
      }
    }
    if (forward !== '') this.output.appendLine(`[otel] the embedded receiver passes everything it receives on to ${forward} (loadlens.otel.forward)`);
    void receiver.exited.then(reason => {
      if (this.disposed) return;
      this.output.appendLine(`[otel] the embedded receiver stopped (${reason}); the next run starts a new one`);
      this.forwarding = undefined;
      if (this.receiver !== undefined) void this.receiver.then(current => current === receiver && (this.receiver = undefined), () => undefined);
    });
    if (receiver.wantedPortTaken) this.output.appendLine(`[otel] port ${port} is taken (loadlens.otel.receiverPort): using ${receiver.port}${receiver.port === lastPort ? ', the port this workspace used last' : ''}`);
    this.output.appendLine(`[otel] Loadlens OTLP receiver on ${receiver.url} (OTLP/HTTP, protobuf or JSON; keeps ${Math.round(budgetBytes / 1024 / 1024)} MB of traces): point your application's OTEL_EXPORTER_OTLP_ENDPOINT here to see its spans with the load test's`);
    queueMicrotask(() => void this.forward());
    return receiver;
  }

  dispose(): void {
    this.disposed = true;
    this.forwarding?.dispose();
    this.updateListeners.clear();
    this.breakdownListeners.clear();
    void this.receiver?.then(r => r.close(), () => undefined);
  }
}
