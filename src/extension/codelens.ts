// CodeLens above each scenario: ▶ Run with OTel · Run · Options…  (a thin layer over findScenarios).
import * as vscode from 'vscode';
import { findScenarios } from '../shared/scenario-locator.ts';

export const SCENARIO_FILES: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.load.{ts,js,mjs}' },
  { scheme: 'vscode-remote', pattern: '**/*.load.{ts,js,mjs}' },
];

/** Arguments every run command takes: the file and the scenario's export name. */
export type ScenarioTarget = [uri: vscode.Uri, scenario: string];

class ScenarioCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return findScenarios(document.getText()).flatMap(({ name, line }) => {
      const range = new vscode.Range(line, 0, line, 0);
      const args: ScenarioTarget = [document.uri, name];
      return [
        new vscode.CodeLens(range, { title: '▶ Run with OTel', command: 'loadlens.run-scenario', arguments: args, tooltip: `Run '${name}' and export a span for every request` }),
        new vscode.CodeLens(range, { title: 'Run', command: 'loadlens.run-scenario-plain', arguments: args, tooltip: `Run '${name}' without telemetry` }),
        new vscode.CodeLens(range, { title: 'Options…', command: 'loadlens.run-with-options', arguments: args, tooltip: 'Users, spawn rate, run time and host for this run' }),
      ];
    });
  }
}

export function register(): vscode.Disposable[] {
  return [vscode.languages.registerCodeLensProvider(SCENARIO_FILES, new ScenarioCodeLensProvider())];
}
