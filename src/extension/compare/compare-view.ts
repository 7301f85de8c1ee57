// The comparison tab: two runs of one scenario side by side (deltas per row, regressions marked, the
// two runs' charts overlaid). It reuses the results panel's bundle (dist/webview.js picks the page by
// `data-view="compare"`); the numbers come from src/shared/compare.ts, the rule `loadlens compare` uses.
// Restored when VS Code reloads (the page keeps the two files in its state).
import * as vscode from 'vscode';
import { webviewOptions, webviewPage } from '../webview-page.ts';
import { comparableReports, compareRuns } from '../../shared/compare.ts';
import { assertNever, type CompareViewToHost, type HostToCompareView } from '../../shared/protocol.ts';
import { readReport } from '../history/run-history.ts';

export const COMPARE_VIEW_TYPE = 'loadlens.compare';

/** What the page keeps with `setState`: the two reports, so the serializer can reopen the comparison. */
interface CompareViewState {
  baseFile: string;
  nextFile: string;
}

export class CompareView implements vscode.Disposable {
  private static readonly open = new Map<string, CompareView>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Every message posted to the page, for the integration tests (bounded). */
  readonly posted: HostToCompareView[] = [];
  private message: HostToCompareView | undefined;
  private ready = false;

  /**
   * Opens (or reveals) the comparison of two saved reports. Throws an Error naming the file when one
   * cannot be read or the two are of different scenarios.
   */
  static async show(extensionUri: vscode.Uri, baseFile: string, nextFile: string, openRun: (file: string) => void): Promise<CompareView> {
    const key = `${baseFile}\n${nextFile}`;
    const existing = CompareView.open.get(key);
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const message = await load(baseFile, nextFile);
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare', { viewColumn: vscode.ViewColumn.Active }, webviewOptions(extensionUri));
    return new CompareView(panel, extensionUri, key, message, openRun);
  }

  static async revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, state: CompareViewState, openRun: (file: string) => void): Promise<CompareView> {
    panel.webview.options = webviewOptions(extensionUri);
    return new CompareView(panel, extensionUri, `${state.baseFile}\n${state.nextFile}`, await load(state.baseFile, state.nextFile), openRun);
  }

  /** The open comparison tabs, for the integration tests. */
  static get all(): CompareView[] {
    return [...CompareView.open.values()];
  }

  readonly panel: vscode.WebviewPanel;
  private readonly key: string;
  private readonly openRun: (file: string) => void;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, key: string, message: HostToCompareView, openRun: (file: string) => void) {
    this.panel = panel;
    this.key = key;
    this.openRun = openRun;
    CompareView.open.set(key, this);
    const { comparison } = message;
    panel.title = `Compare ${comparison.scenario}${comparison.regressions.length > 0 ? ` (${comparison.regressions.length} regression${comparison.regressions.length === 1 ? '' : 's'})` : ''}`;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.webview.html = webviewPage(panel.webview, extensionUri, { title: 'Compare runs', data: { view: 'compare' }, placeholderHtml: '<p class="empty">Loading the comparison…</p>' });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: CompareViewToHost) => this.onViewMessage(m)),
    );
    this.message = message;
  }

  /** The comparison shown (regressions, rows), for the integration tests. */
  get comparison() {
    return this.message?.comparison;
  }

  private onViewMessage(message: CompareViewToHost): void {
    switch (message.kind) {
      case 'ready':
        this.ready = true;
        if (this.message) this.post(this.message);
        break;
      case 'open-run':
        this.openRun(message.file);
        break;
      default:
        assertNever(message);
    }
  }

  private post(message: HostToCompareView): void {
    this.posted.push(message);
    if (this.posted.length > 20) this.posted.splice(0, this.posted.length - 20);
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (CompareView.open.get(this.key) === this) CompareView.open.delete(this.key);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Both reports and their comparison; an Error naming the file when they cannot be compared. */
async function load(baseFile: string, nextFile: string): Promise<HostToCompareView> {
  const [base, next] = await Promise.all([readReport(baseFile), readReport(nextFile)]);
  const mismatch = comparableReports(base, baseFile, next, nextFile);
  if (mismatch) throw new Error(mismatch);
  return { kind: 'comparison', comparison: compareRuns(base, next), base, next, baseFile, nextFile };
}

export class CompareViewSerializer implements vscode.WebviewPanelSerializer<CompareViewState> {
  private readonly extensionUri: vscode.Uri;
  private readonly openRun: (file: string) => void;

  constructor(extensionUri: vscode.Uri, openRun: (file: string) => void) {
    this.extensionUri = extensionUri;
    this.openRun = openRun;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: CompareViewState | undefined): Promise<void> {
    // The files may have been pruned since: close the tab rather than show nothing.
    if (typeof state?.baseFile !== 'string' || typeof state.nextFile !== 'string') {
      panel.dispose();
      return;
    }
    try {
      await CompareView.revive(panel, this.extensionUri, state, this.openRun);
    } catch {
      panel.dispose();
    }
  }
}

