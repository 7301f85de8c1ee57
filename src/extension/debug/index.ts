// The Debug lens: one user, one iteration, the engine started under the inspector and VS Code's
// JavaScript debugger attached, so breakpoints in the scenario file stop.
import * as vscode from 'vscode';
import type { RunOverrides } from '../../shared/run.ts';
import type { RunController, RunLaunch } from '../run/run-controller.ts';
import type { RunScenario } from '../run/run-scenario.ts';
import { attachDebugger } from './debug-session.ts';

export interface DebugDeps {
  output: vscode.OutputChannel;
  runs: Pick<RunController, 'stop' | 'abort'>;
  runScenario: RunScenario;
}

export function register(context: vscode.ExtensionContext, deps: DebugDeps): vscode.Disposable[] {
  const { output, runs } = deps;
  /** Attaches the debugger once the engine's inspector listens; stops the engine if it cannot. */
  const launch = (file: vscode.Uri, scenario: string | undefined): RunLaunch => ({
    debug: {
      onInspector: (port: number) => {
        void attachDebugger(port, scenario ?? 'scenario', file, context.extensionPath, () => runs.stop()).then(session => {
          if (session) return;
          const message = 'Loadlens: the JavaScript debugger (ms-vscode.js-debug) did not start, so the engine was stopped.';
          output.appendLine(`[debug] ${message}`);
          void vscode.window.showErrorMessage(message);
          runs.abort();
        });
      },
    },
  });
  return [
    // A third argument (tests) adds run options, e.g. the host.
    vscode.commands.registerCommand('loadlens.debug-scenario', (uri?: vscode.Uri, scenario?: string, given?: RunOverrides) =>
      deps.runScenario({ otel: false, target: uri && scenario ? [uri, scenario] : undefined, overrides: { ...given, users: 1, spawnRate: 1, iterations: 1 }, debug: launch })),
  ];
}
