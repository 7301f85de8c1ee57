// The results panel: what its page's buttons do, the "Show Results Panel" command, the run's messages
// into the panel's record, and the panel restored after a reload.
import * as vscode from 'vscode';
import type { EngineToHost } from '../../shared/protocol.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import type { TraceLinkTarget } from '../../shared/trace-link.ts';
import { exportReport } from './export-report.ts';
import { ResultsPanel, ResultsPanelSerializer, VIEW_TYPE, type PanelEvents } from './results-panel.ts';

export { exportReport } from './export-report.ts';
export { ResultsPanel } from './results-panel.ts';

/** The saved report the results panel shows (the run just finished, or one opened from the view). */
export interface ShownRun {
  file: string | undefined;
}

export interface PanelEventDeps {
  runs: { stop(): void };
  settings(): LoadlensSettings;
  openTrace(target: TraceLinkTarget): void;
  copy(text: string): void;
}

/** What the panel's page asks of the extension. */
export function panelEvents(deps: PanelEventDeps): PanelEvents {
  return {
    stopRun: () => deps.runs.stop(),
    openTrace: deps.openTrace,
    copy: deps.copy,
    openLocation: location => {
      const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
      void vscode.window.showTextDocument(vscode.Uri.file(location.file), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) })
        .then(undefined, (error: unknown) => void vscode.window.showErrorMessage(`Loadlens: cannot open ${location.file}:${location.line}: ${(error as Error).message}`));
    },
    exportReport: (report, format) => void exportReport(report, format, deps.settings()),
  };
}

export interface ResultsDeps {
  runs: { onMessage: vscode.Event<EngineToHost> };
  events: PanelEvents;
}

export function register(context: vscode.ExtensionContext, deps: ResultsDeps): vscode.Disposable[] {
  return [
    deps.runs.onMessage(message => ResultsPanel.showEngineMessage(message)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new ResultsPanelSerializer(context.extensionUri, deps.events)),
    vscode.commands.registerCommand('loadlens.show-results', () => ResultsPanel.createOrShow(context.extensionUri, deps.events)),
  ];
}
