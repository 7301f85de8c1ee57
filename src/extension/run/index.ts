// Running scenarios: the run commands (the CodeLens's, the palette's, keybindings' and tasks'), Stop,
// and the status bar item that follows the run.
import * as vscode from 'vscode';
import type { RunOverrides } from '../../shared/run.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import { askOverrides } from './ask-overrides.ts';
import type { RunController } from './run-controller.ts';
import type { RunScenario } from './run-scenario.ts';
import { StatusBar } from './status-bar.ts';

export { RunController, type RunOutcome } from './run-controller.ts';
export { createRunScenario, UNTRUSTED_MESSAGE, type RunScenario } from './run-scenario.ts';

export interface RunDeps {
  runs: RunController;
  runScenario: RunScenario;
  settings(): LoadlensSettings;
}

export function register(_context: vscode.ExtensionContext, deps: RunDeps): vscode.Disposable[] {
  const { runs, runScenario } = deps;
  const statusBar = new StatusBar();
  const targetOf = (uri?: vscode.Uri, scenario?: string) => (uri && scenario ? [uri, scenario] as [vscode.Uri, string] : undefined);
  return [
    statusBar,
    runs.onMessage(message => statusBar.show(message)),
    // Each run command takes (file, scenario) from its CodeLens; a third argument, run options, serves
    // keybindings, tasks and tests.
    vscode.commands.registerCommand('loadlens.run-scenario', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) =>
      runScenario({ otel: true, target: targetOf(uri, scenario), ...(given ? { overrides: given } : {}) })),
    vscode.commands.registerCommand('loadlens.run-scenario-plain', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) =>
      runScenario({ otel: false, target: targetOf(uri, scenario), ...(given ? { overrides: given } : {}) })),
    vscode.commands.registerCommand('loadlens.run-with-options', async (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) => {
      const asked = given ? { overrides: given, workers: deps.settings().run.workers } : await askOverrides(deps.settings());
      return asked ? runScenario({ otel: true, target: targetOf(uri, scenario), overrides: asked.overrides, workers: asked.workers }) : undefined;
    }),
    vscode.commands.registerCommand('loadlens.stop-run', () => runs.stop()),
  ];
}
