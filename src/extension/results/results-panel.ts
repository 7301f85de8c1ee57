// The results panel: one webview showing the current (or last) run. Restored when VS Code reloads.
import * as vscode from 'vscode';
import { webviewOptions, webviewPage } from '../webview-page.ts';
import { applyHostMessage, emptyPanelState, type PanelState, type RunStarted } from '../../shared/panel-model.ts';
import { assertNever, type EngineToHost, type HostToView, type ViewToHost } from '../../shared/protocol.ts';
import type { RunReport, SourceLocation } from '../../shared/report.ts';
import type { RunBreakdownState } from '../../shared/breakdown/live.ts';
import type { TraceLinkTarget } from '../../shared/trace-link.ts';

export const VIEW_TYPE = 'loadlens.results';

/** workspaceState key of the last finished run, shown after a window reload. */
const LAST_RUN_KEY = 'loadlens.lastRun';

export interface PanelEvents {
  stopRun(): void;
  /** A trace id was clicked: open it (the user's platform, or Loadlens's trace view). */
  openTrace(target: TraceLinkTarget): void;
  /** Put `text` on the clipboard (the page's copy buttons). */
  copy(text: string): void;
  /** Open the editor at a place in the scenario (an iteration error's line). */
  openLocation(location: SourceLocation): void;
  /** Save the shown run's report as HTML or JSON (asks where). */
  exportReport(report: RunReport, format: 'html' | 'json'): void;
}

/**
 * The run the panel shows, kept by the extension whether a panel is open or not: a panel closed and
 * reopened at any moment is brought up to date from it, and the last finished run survives a window
 * reload (workspaceState). It folds messages with the page's own reducer (applyHostMessage), so both
 * sides agree on what the run looks like. Bounded: the latest snapshot and at most MAX_POINTS points.
 */
export class PanelRecord {
  private state: PanelState = emptyPanelState();
  private readonly memento: vscode.Memento | undefined;

  constructor(memento?: vscode.Memento) {
    this.memento = memento;
    const last = memento?.get<{ run: RunStarted; report: RunReport; exitCode: number }>(LAST_RUN_KEY);
    // A run kept by a Loadlens before RunHeader (no `header`) is not shown again rather than shown wrong.
    if (last?.run?.header && last.report?.header) this.state = applyHostMessage(applyHostMessage(emptyPanelState(), last.run), { kind: 'finished', report: last.report, exitCode: last.exitCode });
  }

  apply(message: HostToView): void {
    this.state = applyHostMessage(this.state, message);
    if (message.kind === 'finished' && this.state.run) {
      void this.memento?.update(LAST_RUN_KEY, { run: this.state.run, report: message.report, exitCode: message.exitCode });
    }
  }

  /** The shown run's id, once one started. */
  get runId(): string | undefined {
    return this.state.run?.header.runId;
  }

  /** The shown run's live breakdown, if any. */
  get breakdown(): PanelState['breakdown'] {
    return this.state.breakdown;
  }

  /** The shown run's scenario, once one started. */
  get scenario(): string | undefined {
    return this.state.run?.header.scenario;
  }

  /** The shown run's report, once it finished. */
  get report(): RunReport | undefined {
    return this.state.report;
  }

  /** The messages that bring a fresh page to the current state. */
  replay(): HostToView[] {
    const { run, snapshot, report, exitCode, diagnostics, problems, error, points, breakdown } = this.state;
    const messages: HostToView[] = [];
    if (diagnostics) messages.push({ kind: 'invalid', diagnostics, problems: problems ?? [] });
    if (run) {
      messages.push(run);
      if (points.length > 0) messages.push({ kind: 'timeline', points });
      if (snapshot) messages.push({ kind: 'stats', snapshot });
      if (report) messages.push({ kind: 'finished', report, exitCode: exitCode ?? 0 });
      if (breakdown) messages.push({ kind: 'breakdown', ...breakdown });
    }
    if (error !== undefined) messages.push({ kind: 'engine-error', message: error });
    return messages;
  }
}

export class ResultsPanel implements vscode.Disposable {
  private static current: ResultsPanel | undefined;
  /** The current (or last) run, shared by every panel that opens: see PanelRecord. */
  private static record = new PanelRecord();
  /** The embedded receiver's URL when the coming run exports to it, shown in the panel's header. */
  private static otlpReceiver: string | undefined;
  /** False until the page says `ready`: it then gets the whole record at once. */
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * Every message for the page, for the integration tests (bounded): the record as it was when the
   * panel opened (what the page gets when ready), then each message since.
   */
  readonly posted: HostToView[] = ResultsPanel.record.replay();

  /** Where the last finished run is kept across window reloads; call once, at activation. */
  static restore(memento: vscode.Memento): void {
    ResultsPanel.record = new PanelRecord(memento);
  }

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
    panel.webview.html = webviewPage(panel.webview, extensionUri, {
      title: 'Loadlens',
      placeholderHtml: '<p class="empty">No run yet. Click <strong>▶ Run with OTel</strong> above a scenario in a <code>*.load.ts</code> file.</p>',
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    const scenario = ResultsPanel.record.scenario;
    if (scenario !== undefined) panel.title = `Loadlens: ${scenario}`;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: ViewToHost) => this.onViewMessage(message)),
    );
  }

  /** The embedded receiver's URL for the next run (undefined: the run exports elsewhere, or not at all). */
  static setOtlpReceiver(url: string | undefined): void {
    ResultsPanel.otlpReceiver = url;
  }

  /** Records an engine message for the panel, and forwards it to the open panel, if any. */
  static showEngineMessage(message: EngineToHost): void {
    switch (message.kind) {
      case 'started': {
        const otlpReceiver = ResultsPanel.otlpReceiver;
        ResultsPanel.post({ kind: 'run-started', header: message.header, ...(otlpReceiver === undefined ? {} : { otlpReceiver }) });
        break;
      }
      case 'stats':
        ResultsPanel.post({ kind: 'stats', snapshot: message.snapshot });
        break;
      case 'finished':
        ResultsPanel.post({ kind: 'finished', report: message.report, exitCode: message.exitCode });
        break;
      case 'invalid':
        ResultsPanel.post({ kind: 'invalid', diagnostics: message.diagnostics, problems: message.problems });
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

  /** The run's breakdown so far (from the embedded receiver); ignored once another run is shown. */
  static showBreakdown(state: RunBreakdownState, waiting: boolean): void {
    if (ResultsPanel.record.runId !== state.runId) return;
    ResultsPanel.post({ kind: 'breakdown', state, waiting });
  }

  /** The run's load ended and it waits for the application's late spans (the Breakdown tab says so). */
  static showBreakdownWaiting(runId: string): void {
    if (ResultsPanel.record.runId !== runId) return;
    const current = ResultsPanel.record.breakdown;
    const state: RunBreakdownState = current?.state ?? {
      runId, rows: [], spansReceived: 0, appSpans: 0,
      counts: { spansReceived: 0, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 0, requestsRecomputed: 0, requestsDropped: 0 },
    };
    ResultsPanel.post({ kind: 'breakdown', state, waiting: true });
  }

  /** The run's report again, now with its breakdown (after the wait for late spans), if the panel still shows that run. */
  static showFinalReport(report: RunReport, exitCode: number): void {
    if (ResultsPanel.record.runId !== report.header.runId) return;
    ResultsPanel.post({ kind: 'finished', report, exitCode });
  }

  static showEngineError(text: string): void {
    ResultsPanel.post({ kind: 'engine-error', message: text });
  }

  /**
   * Shows a finished run that is not the current one (a past run's report, with its own header): it
   * becomes the record, so reopening the panel shows it too.
   */
  static showReport(report: RunReport, exitCode: number): void {
    ResultsPanel.post({ kind: 'run-started', header: report.header });
    ResultsPanel.post({ kind: 'finished', report, exitCode });
  }

  private static post(message: HostToView): void {
    ResultsPanel.record.apply(message);
    ResultsPanel.current?.post(message);
  }

  private post(message: HostToView): void {
    if (message.kind === 'run-started') this.panel.title = `Loadlens: ${message.header.scenario}`;
    this.posted.push(message);
    if (this.posted.length > 200) this.posted.splice(0, this.posted.length - 200);
    // Before `ready` the page is still loading: it gets the whole record when it is.
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private onViewMessage(message: ViewToHost): void {
    switch (message.kind) {
      case 'ready':
        // A new page (first load, reopened panel, window reload): the run as it is now.
        this.ready = true;
        for (const m of ResultsPanel.record.replay()) void this.panel.webview.postMessage(m);
        break;
      case 'stop-run':
        this.events.stopRun();
        break;
      case 'open-trace':
        this.events.openTrace(message.target);
        break;
      case 'copy':
        this.events.copy(message.text);
        break;
      case 'open-location':
        this.events.openLocation({ file: message.file, line: message.line, column: message.column });
        break;
      case 'export-report': {
        const report = ResultsPanel.record.report;
        if (report) this.events.exportReport(report, message.format);
        break;
      }
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
