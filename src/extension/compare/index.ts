// Comparing two saved runs: "Compare with…" (the view's runs, the results panel's title bar) and the
// comparison tabs, restored after a reload.
import * as vscode from 'vscode';
import { formatWhen } from '../../shared/history.ts';
import { pickRun, type OpenRun } from '../history/open-run.ts';
import { runFileOf, type RunHistory } from '../history/run-history.ts';
import type { ShownRun } from '../results/index.ts';
import { COMPARE_VIEW_TYPE, CompareView, CompareViewSerializer } from './compare-view.ts';

export { CompareView } from './compare-view.ts';

export interface CompareDeps {
  history: RunHistory;
  openRun: OpenRun;
  shown: ShownRun;
}

export function register(context: vscode.ExtensionContext, deps: CompareDeps): vscode.Disposable[] {
  const { history, shown } = deps;
  const openRun = (file: string) => void deps.openRun(file);
  /**
   * Opens the comparison of two saved runs. With both given, `base` is the base. Otherwise the missing
   * ones are asked for (the run the panel shows, if any, is the first), among the same scenario's runs,
   * and the older of the two is the base.
   */
  const compare = async (baseArg?: unknown, nextArg?: unknown): Promise<CompareView | undefined> => {
    let baseFile = runFileOf(baseArg);
    let nextFile = runFileOf(nextArg);
    if (!baseFile || !nextFile) {
      const all = await history.runs();
      const firstFile = baseFile ?? nextFile ?? shown.file;
      const first = all.find(r => r.file === firstFile) ?? (await pickRun(all, 'Compare which run?'));
      if (!first) return undefined;
      const others = all.filter(r => r.scenario === first.scenario && r.file !== first.file);
      if (others.length === 0) {
        void vscode.window.showInformationMessage(`Loadlens: '${first.scenario}' has no other saved run to compare with. Run it again, then compare.`);
        return undefined;
      }
      const second = await pickRun(others, `Compare the run of ${formatWhen(first.startedAt)} with…`);
      if (!second) return undefined;
      [baseFile, nextFile] = first.startedAt <= second.startedAt ? [first.file, second.file] : [second.file, first.file];
    }
    try {
      return await CompareView.show(context.extensionUri, baseFile, nextFile, openRun);
    } catch (error) {
      void vscode.window.showErrorMessage(`Loadlens: cannot compare: ${(error as Error).message}`);
      return undefined;
    }
  };
  return [
    { dispose: () => CompareView.all.forEach(view => view.dispose()) },
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, new CompareViewSerializer(context.extensionUri, openRun)),
    vscode.commands.registerCommand('loadlens.compare-runs', (base?: unknown, next?: unknown) => compare(base, next)),
    vscode.commands.registerCommand('loadlens.compare-with', (node?: unknown) => compare(node)),
  ];
}
