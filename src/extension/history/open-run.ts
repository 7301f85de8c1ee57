// "Open Run in Results Panel", and the quick pick of saved runs it shares with the comparison.
import * as vscode from 'vscode';
import { formatRunSummary, formatWhen, type RunSummary } from '../../shared/history.ts';
import { reportExitCode } from '../../shared/report.ts';
import type { ShownRun } from '../results/index.ts';
import { ResultsPanel, type PanelEvents } from '../results/results-panel.ts';
import { readReport, runFileOf, type RunHistory } from './run-history.ts';

export type OpenRun = (given?: unknown) => Promise<ResultsPanel | undefined>;

export interface OpenRunDeps {
  history: RunHistory;
  runs: { readonly running: boolean };
  events: PanelEvents;
  shown: ShownRun;
}

/** Shows a saved run in the results panel, as it looked when it finished. */
export function createOpenRun(context: vscode.ExtensionContext, deps: OpenRunDeps): OpenRun {
  const { history, runs, events, shown } = deps;
  return async (given?: unknown) => {
    const file = runFileOf(given) ?? (await pickRun(await history.runs(), 'Open which run?'))?.file;
    if (!file) return undefined;
    if (runs.running) {
      void vscode.window.showWarningMessage('Loadlens: a run is in progress in the results panel; open past runs when it ends.');
      return undefined;
    }
    let report;
    try {
      report = await readReport(file);
    } catch (error) {
      void vscode.window.showErrorMessage(`Loadlens: ${(error as Error).message}`);
      return undefined;
    }
    const panel = ResultsPanel.createOrShow(context.extensionUri, events);
    ResultsPanel.setOtlpReceiver(undefined);
    ResultsPanel.showReport(report, reportExitCode(report));
    shown.file = file;
    return panel;
  };
}

/** A quick pick of saved runs, newest first: when, and the view's summary line. */
export async function pickRun(runs: RunSummary[], placeHolder: string): Promise<RunSummary | undefined> {
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Loadlens: no saved run yet. Finished runs are kept in the workspace (loadlens.history.folder).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map(run => ({ label: formatWhen(run.startedAt), description: `${run.scenario} · ${formatRunSummary(run)}`, detail: run.runId, run })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.run;
}
