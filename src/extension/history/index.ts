// Run history: the Loadlens view listing saved runs, "Open Run in Results Panel" and "Refresh Runs".
import * as vscode from 'vscode';
import type { LiveSettings } from '../settings.ts';
import type { OpenRun } from './open-run.ts';
import { HISTORY_VIEW_ID, type HistoryNode, type RunHistory } from './run-history.ts';

export { createOpenRun, pickRun, type OpenRun } from './open-run.ts';
export { RunHistory, type HistoryNode } from './run-history.ts';

/** The Loadlens view in the activity bar (the integration tests read it). */
export function createHistoryView(history: RunHistory): vscode.TreeView<HistoryNode> {
  return vscode.window.createTreeView(HISTORY_VIEW_ID, { treeDataProvider: history, showCollapseAll: true });
}

export interface HistoryDeps {
  history: RunHistory;
  openRun: OpenRun;
  settings: Pick<LiveSettings, 'onDidChange'>;
}

export function register(_context: vscode.ExtensionContext, deps: HistoryDeps): vscode.Disposable[] {
  const { history } = deps;
  return [
    // A different folder or bound applies from the next run; the view lists the new folder at once.
    deps.settings.onDidChange(() => history.refresh()),
    vscode.commands.registerCommand('loadlens.open-run', (given?: unknown) => deps.openRun(given)),
    vscode.commands.registerCommand('loadlens.refresh-history', () => history.refresh()),
  ];
}
