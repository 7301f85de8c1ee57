// Loadlens's own trace view: a webview tab per trace showing the waterfall of every span the embedded
// receiver holds for it, across services. It reuses the results panel's bundle (dist/webview.js picks
// the view by `data-view`) and updates as late spans arrive. Restored when VS Code reloads.
import * as vscode from 'vscode';
import { webviewOptions, webviewPage } from '../webview-page.ts';
import { assertNever, type HostToView, type ViewToHost } from '../../shared/protocol.ts';
import type { TraceLinkPreset, TraceLinkTarget } from '../../shared/trace-link.ts';
import type { EmbeddedReceiver } from '../otel/embedded-receiver.ts';

export const TRACE_VIEW_TYPE = 'loadlens.trace';

/** What a trace view needs from the rest of the extension. */
export interface TraceViewDeps {
  receiver: Pick<EmbeddedReceiver, 'trace' | 'onTracesUpdated' | 'current'>;
  /** The configured platform preset; undefined for 'embedded' (no platform) or a broken platform setting. */
  platform(): TraceLinkPreset | undefined;
  /** Opens a trace as a click on a trace id does (here: "Open in platform"). */
  openTrace(target: TraceLinkTarget): void;
  copy(text: string): void;
}

/** How the "Open in …" button names each platform preset. */
const PLATFORM_NAMES: Record<TraceLinkPreset, string> = {
  embedded: 'Loadlens', custom: 'your platform', jaeger: 'Jaeger', tempo: 'Grafana Tempo', honeycomb: 'Honeycomb',
  splunk: 'Splunk Observability', datadog: 'Datadog', zipkin: 'Zipkin', signoz: 'SigNoz', elastic: 'Elastic APM', aspire: 'Aspire',
};

/** What the page keeps with `setState`, so the serializer can reopen the same trace after a reload. */
interface TraceViewState {
  target: TraceLinkTarget;
}

export class TraceView implements vscode.Disposable {
  /** One tab per trace id (lower-case). */
  private static readonly open = new Map<string, TraceView>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  /** Every message posted to the page, for the integration tests (bounded). */
  readonly posted: HostToView[] = [];

  /** Opens (or reveals) the tab of `target`'s trace. */
  static show(extensionUri: vscode.Uri, target: TraceLinkTarget, deps: TraceViewDeps): TraceView {
    const existing = TraceView.open.get(target.traceId.toLowerCase());
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, title(target.traceId), { viewColumn: vscode.ViewColumn.Active }, webviewOptions(extensionUri));
    return new TraceView(panel, extensionUri, target, deps);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, target: TraceLinkTarget, deps: TraceViewDeps): TraceView {
    panel.webview.options = webviewOptions(extensionUri);
    return new TraceView(panel, extensionUri, target, deps);
  }

  /** The open trace views, for the integration tests. */
  static get all(): TraceView[] {
    return [...TraceView.open.values()];
  }

  readonly panel: vscode.WebviewPanel;
  readonly target: TraceLinkTarget;
  private readonly deps: TraceViewDeps;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, target: TraceLinkTarget, deps: TraceViewDeps) {
    this.panel = panel;
    this.target = { ...target, traceId: target.traceId.toLowerCase() };
    this.deps = deps;
    TraceView.open.set(this.target.traceId, this);
    panel.title = title(this.target.traceId);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewPage(panel.webview, extensionUri, { title: 'Trace', data: { view: 'trace', target: JSON.stringify(this.target) }, placeholderHtml: '<p class="empty">Loading trace…</p>' });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: ViewToHost) => this.onViewMessage(message)),
      deps.receiver.onTracesUpdated(ids => {
        if (this.ready && ids.includes(this.target.traceId)) void this.refresh();
      }),
    );
  }

  /** Sends the page every span of the trace received so far. */
  private async refresh(): Promise<void> {
    const spans = await this.deps.receiver.trace(this.target.traceId);
    const preset = this.deps.platform();
    const receiving = this.deps.receiver.current !== undefined;
    this.post({ kind: 'trace', traceId: this.target.traceId, spans, receiving, ...(preset ? { platform: PLATFORM_NAMES[preset] } : {}) });
  }

  private post(message: HostToView): void {
    this.posted.push(message);
    if (this.posted.length > 50) this.posted.splice(0, this.posted.length - 50);
    void this.panel.webview.postMessage(message);
  }

  private onViewMessage(message: ViewToHost): void {
    switch (message.kind) {
      case 'ready':
        this.ready = true;
        void this.refresh();
        break;
      case 'copy':
        this.deps.copy(message.text);
        break;
      case 'open-trace':
        // "Open in platform": this trace with the time range and run it was opened with.
        this.deps.openTrace({ ...this.target, ...message.target });
        break;
      case 'stop-run':
      case 'open-location':
      case 'export-report':
        break; // the results panel's
      default:
        assertNever(message);
    }
  }

  dispose(): void {
    if (TraceView.open.get(this.target.traceId) === this) TraceView.open.delete(this.target.traceId);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export class TraceViewSerializer implements vscode.WebviewPanelSerializer<TraceViewState> {
  private readonly extensionUri: vscode.Uri;
  private readonly deps: TraceViewDeps;

  constructor(extensionUri: vscode.Uri, deps: TraceViewDeps) {
    this.extensionUri = extensionUri;
    this.deps = deps;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TraceViewState | undefined): Promise<void> {
    // A tab saved before its page stored a state cannot know its trace: close it rather than show nothing.
    if (typeof state?.target?.traceId !== 'string') {
      panel.dispose();
      return;
    }
    TraceView.revive(panel, this.extensionUri, state.target, this.deps);
  }
}

function title(traceId: string): string {
  return `Trace ${traceId.slice(0, 8)}…`;
}

