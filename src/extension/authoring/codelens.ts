// CodeLens above each scenario: ▶ Run with OTel · Run · Options… · Debug (a thin layer over findScenarios).
// With loadlens.otel.enabled off, no lens promises OTel: Run · Options… · Debug.
import * as vscode from 'vscode';

export const SCENARIO_FILES: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.load.{ts,js,mjs}' },
  { scheme: 'vscode-remote', pattern: '**/*.load.{ts,js,mjs}' },
];

/** Arguments every run command takes: the file and the scenario's export name. */
export type ScenarioTarget = [uri: vscode.Uri, scenario: string];

export interface CodeLensDeps {
  /** loadlens.otel.enabled, read at each refresh. */
  otelEnabled: () => boolean;
}

class ScenarioCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly deps: CodeLensDeps;

  constructor(deps: CodeLensDeps) {
    this.deps = deps;
  }

  /** The settings changed: the editor asks for the lenses again. */
  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const otel = this.deps.otelEnabled();
    // Loaded on the first lens, not at activation: the locator's parser (TypeScript's) is large.
    const { findScenarios } = await import('../../shared/scenario-locator.ts');
    return findScenarios(document.getText()).flatMap(({ name, line }) => {
      const range = new vscode.Range(line, 0, line, 0);
      const args: ScenarioTarget = [document.uri, name];
      return [
        ...(otel ? [new vscode.CodeLens(range, { title: '▶ Run with OTel', command: 'loadlens.run-scenario', arguments: args, tooltip: `Run '${name}' and export a span for every request` })] : []),
        new vscode.CodeLens(range, otel
          ? { title: 'Run', command: 'loadlens.run-scenario-plain', arguments: args, tooltip: `Run '${name}' without telemetry` }
          : { title: '▶ Run', command: 'loadlens.run-scenario-plain', arguments: args, tooltip: `Run '${name}' (OTel export is off: loadlens.otel.enabled)` }),
        new vscode.CodeLens(range, { title: 'Options…', command: 'loadlens.run-with-options', arguments: args, tooltip: 'Users, spawn rate, run time and host for this run' }),
        new vscode.CodeLens(range, { title: 'Debug', command: 'loadlens.debug-scenario', arguments: args, tooltip: `Run '${name}' once (one user, one iteration) with the debugger attached: breakpoints in this file stop` }),
      ];
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function register(deps: CodeLensDeps): { refresh: () => void; disposables: vscode.Disposable[] } {
  const provider = new ScenarioCodeLensProvider(deps);
  return { refresh: () => provider.refresh(), disposables: [provider, vscode.languages.registerCodeLensProvider(SCENARIO_FILES, provider)] };
}
