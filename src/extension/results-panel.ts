// The results panel: one webview showing the current (or last) run. Restored when VS Code reloads.
import * as vscode from 'vscode';
import { assertNever, type EngineToHost, type HostToView, type ViewToHost } from '../shared/protocol.ts';
import type { TraceLinkTarget } from '../shared/trace-link.ts';

export const VIEW_TYPE = 'loadlens.results';

export interface PanelEvents {
  stopRun(): void;
  /** A trace id was clicked: open it (the user's platform, or Loadlens's trace view). */
  openTrace(target: TraceLinkTarget): void;
  /** Put `text` on the clipboard (the page's copy buttons). */
  copy(text: string): void;
}

export class ResultsPanel implements vscode.Disposable {
  private static current: ResultsPanel | undefined;
  /** What a reloaded page needs to show the run so far; bounded: the latest message of each kind. */
  private replay: HostToView[] = [];
  /** Messages posted before the page said `ready` (a new panel loads while the run starts); bounded. */
  private pending: HostToView[] | undefined = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The embedded receiver's URL when the coming run exports to it, shown in the panel's header. */
  private otlpReceiver: string | undefined;
  /** Every message posted to the page, for the integration tests (bounded). */
  readonly posted: HostToView[] = [];

  static createOrShow(extensionUri: vscode.Uri, events: PanelEvents): ResultsPanel {
    if (ResultsPanel.current) {
      ResultsPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return ResultsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Loadlens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(extensionUri));
    ResultsPanel.current = new ResultsPanel(panel, extensionUri, events);
    return ResultsPanel.current;
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, events: PanelEvents): ResultsPanel {
    panel.webview.options = webviewOptions(extensionUri);
    ResultsPanel.current = new ResultsPanel(panel, extensionUri, events);
    return ResultsPanel.current;
  }

  static get active(): ResultsPanel | undefined {
    return ResultsPanel.current;
  }

  readonly panel: vscode.WebviewPanel;
  private readonly events: PanelEvents;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, events: PanelEvents) {
    this.panel = panel;
    this.events = events;
    panel.webview.html = renderHtml(panel.webview, extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: ViewToHost) => this.onViewMessage(message)),
    );
  }

  /** The embedded receiver's URL for the next run (undefined: the run exports elsewhere, or not at all). */
  setOtlpReceiver(url: string | undefined): void {
    this.otlpReceiver = url;
  }

  /** Forwards an engine message to the page, translated to what the page understands. */
  showEngineMessage(message: EngineToHost): void {
    switch (message.kind) {
      case 'started': {
        const { kind: _kind, ...run } = message;
        this.replay = [];
        this.post({ kind: 'run-started', ...run, ...(this.otlpReceiver === undefined ? {} : { otlpReceiver: this.otlpReceiver }) });
        this.panel.title = `Loadlens: ${message.scenario}`;
        break;
      }
      case 'stats':
        this.post({ kind: 'stats', snapshot: message.snapshot });
        break;
      case 'finished':
        this.post({ kind: 'finished', report: message.report, exitCode: message.exitCode });
        break;
      case 'invalid':
        this.replay = [];
        this.post({ kind: 'invalid', diagnostics: message.diagnostics, problems: message.problems });
        break;
      case 'ready':
      case 'log':
      case 'pong':
      // Shown with the run's outcome (the run controller makes it the run's problem).
      case 'internal-error':
        break;
      default:
        assertNever(message);
    }
  }

  showEngineError(text: string): void {
    this.post({ kind: 'engine-error', message: text });
  }

  private post(message: HostToView): void {
    // Keep the latest message of each kind so a reloaded page can be brought up to date.
    this.replay = [...this.replay.filter(m => m.kind !== message.kind), message];
    this.posted.push(message);
    if (this.posted.length > 200) this.posted.splice(0, this.posted.length - 200);
    if (this.pending) {
      this.pending.push(message);
      if (this.pending.length > 600) this.pending.splice(0, this.pending.length - 600);
    } else {
      void this.panel.webview.postMessage(message);
    }
  }

  private onViewMessage(message: ViewToHost): void {
    switch (message.kind) {
      case 'ready': {
        // First load: everything since the panel opened; a later reload: the latest state.
        const messages = this.pending ?? this.replay;
        this.pending = undefined;
        for (const m of messages) void this.panel.webview.postMessage(m);
        break;
      }
      case 'stop-run':
        this.events.stopRun();
        break;
      case 'open-trace':
        this.events.openTrace(message.target);
        break;
      case 'copy':
        this.events.copy(message.text);
        break;
      default:
        assertNever(message);
    }
  }

  dispose(): void {
    if (ResultsPanel.current === this) ResultsPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Loadlens</title>
</head>
<body>
<div id="app"><p class="empty">No run yet. Click <strong>▶ Run with OTel</strong> above a scenario in a <code>*.load.ts</code> file.</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export class ResultsPanelSerializer implements vscode.WebviewPanelSerializer {
  private readonly extensionUri: vscode.Uri;
  private readonly events: PanelEvents;

  constructor(extensionUri: vscode.Uri, events: PanelEvents) {
    this.extensionUri = extensionUri;
    this.events = events;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    ResultsPanel.revive(panel, this.extensionUri, this.events);
  }
}
