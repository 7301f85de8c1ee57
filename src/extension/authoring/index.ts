// Writing scenarios: the CodeLens above each scenario, `loadlens check` Problems with their quick fix,
// the run's numbers on the scenario's lines, and "New Scenario".
import * as vscode from 'vscode';
import type { EngineToHost } from '../../shared/protocol.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import * as codeLens from './codelens.ts';
import * as diagnostics from './diagnostics.ts';
import * as newScenario from './new-scenario.ts';
import * as scenarioDecorations from './scenario-decorations.ts';

export { ScenarioChecks } from './diagnostics.ts';
export { ScenarioDecorations } from './scenario-decorations.ts';

export interface AuthoringDeps {
  settings: { readonly current: LoadlensSettings; onDidChange: vscode.Event<LoadlensSettings> };
  checks: diagnostics.ScenarioChecks;
  decorations: scenarioDecorations.ScenarioDecorations;
  runs: { onMessage: vscode.Event<EngineToHost> };
}

export function register(_context: vscode.ExtensionContext, deps: AuthoringDeps): vscode.Disposable[] {
  const lenses = codeLens.register({ otelEnabled: () => deps.settings.current.otel.enabled });
  return [
    ...lenses.disposables,
    deps.settings.onDidChange(() => lenses.refresh()),
    ...scenarioDecorations.register(deps.decorations, deps.runs),
    ...diagnostics.register(deps.checks),
    ...newScenario.register(),
  ];
}
