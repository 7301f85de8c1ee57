// The run history in the editor: every finished run's report saved under the workspace's history folder
// (`loadlens.history.*`), and the Loadlens view in the activity bar listing scenarios and their runs.
// The file logic is src/shared/history.ts (names, pruning, the summary line) and history-folder.ts (saving,
// listing); this is the adapter.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseRunReport } from '../../shared/compare.ts';
import { formatRunSummary, formatThresholdVerdict, formatWhen, type RunSummary } from '../../shared/history.ts';
import { listRuns, saveRun } from './history-folder.ts';
import type { RunReport } from '../../shared/report.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';

export const HISTORY_VIEW_ID = 'loadlens.history';

/** A node of the Loadlens view: a scenario, or one of its runs. */
export type HistoryNode =
  | { kind: 'scenario'; scenario: string; runs: RunSummary[] }
  | { kind: 'run'; run: RunSummary };

export class RunHistory implements vscode.Disposable, vscode.TreeDataProvider<HistoryNode> {
  private readonly changed = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly settings: () => LoadlensSettings;
  private readonly output: vscode.OutputChannel;
  /** The last listing, newest run first per scenario (what the view shows). */
  private listing: Promise<Array<{ scenario: string; runs: RunSummary[] }>> | undefined;

  constructor(settings: () => LoadlensSettings, output: vscode.OutputChannel) {
    this.settings = settings;
    this.output = output;
  }

  /**
   * The history folder for a scenario file: the setting, relative to the file's workspace folder (or
   * the first one); undefined with no workspace and a relative setting (nowhere to keep runs).
   */
  folderFor(scenarioFile?: string): string | undefined {
    const { folder } = this.settings().history;
    if (path.isAbsolute(folder)) return folder;
    const workspace = (scenarioFile && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(scenarioFile))) || vscode.workspace.workspaceFolders?.[0];
    return workspace ? path.join(workspace.uri.fsPath, folder) : undefined;
  }

  /** Every history folder of the open workspace (one per workspace folder, or the absolute setting). */
  folders(): string[] {
    const { folder } = this.settings().history;
    if (path.isAbsolute(folder)) return [folder];
    return [...new Set((vscode.workspace.workspaceFolders ?? []).map(w => path.join(w.uri.fsPath, folder)))];
  }

  /** Saves a finished run's report and prunes its scenario's oldest runs; the saved file's path, if saved. */
  async save(report: RunReport): Promise<string | undefined> {
    const folder = this.folderFor(report.header.file);
    if (!folder) {
      this.output.appendLine('[history] no workspace folder open: the run is not kept in the history');
      return undefined;
    }
    try {
      const { file, pruned } = await saveRun(folder, report, this.settings().history.maxRunsPerScenario);
      this.output.appendLine(`[history] saved ${file}${pruned.length > 0 ? `; deleted ${pruned.length} older run(s) of '${report.header.scenario}' (loadlens.history.maxRunsPerScenario)` : ''}`);
      this.refresh();
      return file;
    } catch (error) {
      this.output.appendLine(`[history] could not save the run in ${folder} (loadlens.history.folder): ${(error as Error).message}`);
      return undefined;
    }
  }

  refresh(): void {
    this.listing = undefined;
    this.changed.fire(undefined);
  }

  /** Scenarios and their runs, newest first, from every history folder. */
  scenarios(): Promise<Array<{ scenario: string; runs: RunSummary[] }>> {
    this.listing ??= (async () => {
      const merged = new Map<string, RunSummary[]>();
      for (const folder of this.folders()) {
        const { scenarios, unreadable } = await listRuns(folder);
        for (const problem of unreadable) this.output.appendLine(`[history] skipped ${problem}`);
        for (const { scenario, runs } of scenarios) merged.set(scenario, [...(merged.get(scenario) ?? []), ...runs]);
      }
      return [...merged.entries()].sort(([a], [b]) => a.localeCompare(b))
        .map(([scenario, runs]) => ({ scenario, runs: runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)) }));
    })();
    return this.listing;
  }

  /** Every run, newest first. */
  async runs(): Promise<RunSummary[]> {
    return (await this.scenarios()).flatMap(s => s.runs).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    if (!node) return (await this.scenarios()).map(s => ({ kind: 'scenario', ...s }));
    return node.kind === 'scenario' ? node.runs.map(run => ({ kind: 'run', run })) : [];
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    if (node.kind === 'scenario') {
      const item = new vscode.TreeItem(node.scenario, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `scenario:${node.scenario}`;
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
      item.contextValue = 'loadlens.scenario';
      item.iconPath = new vscode.ThemeIcon('beaker');
      return item;
    }
    const { run } = node;
    const item = new vscode.TreeItem(formatWhen(run.startedAt), vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.file}`;
    item.description = formatRunSummary(run);
    item.tooltip = new vscode.MarkdownString(`**${run.scenario}** · ${formatWhen(run.startedAt)} · ${formatThresholdVerdict(run)}\n\n${formatRunSummary(run)}\n\nRun \`${run.runId}\` of \`${path.basename(run.scenarioFile)}\`, ${Math.round(run.durationMs / 1000)} s\n\n\`${run.file}\``);
    item.contextValue = 'loadlens.run';
    item.accessibilityInformation = { label: `${run.scenario} run of ${formatWhen(run.startedAt)}, ${formatThresholdVerdict(run)}: ${formatRunSummary(run)}` };
    item.iconPath = run.thresholds === 0
      ? new vscode.ThemeIcon('circle-outline')
      : new vscode.ThemeIcon(run.passed ? 'pass' : 'error', new vscode.ThemeColor(run.passed ? 'testing.iconPassed' : 'testing.iconFailed'));
    item.command = { command: 'loadlens.open-run', title: 'Open Run', arguments: [run.file] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Reads a saved report; the error names the file and what is wrong with it. */
export async function readReport(file: string): Promise<RunReport> {
  return parseRunReport(await readFile(file, 'utf8'), file);
}

/** A run's file from what a command receives: a path, a file Uri, or a node of the view. */
export function runFileOf(given: unknown): string | undefined {
  if (typeof given === 'string') return given;
  // A .json file from the explorer; any other Uri (e.g. what an editor title button passes) is no run.
  if (given instanceof vscode.Uri) return given.scheme === 'file' && given.fsPath.endsWith('.json') ? given.fsPath : undefined;
  const node = given as HistoryNode | undefined;
  return node?.kind === 'run' ? node.run.file : undefined;
}
