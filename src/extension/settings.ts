// The one place that reads `loadlens.*` configuration. Everybody else receives the frozen object.
import * as vscode from 'vscode';
import { parseSettings, type LoadlensSettings, type SettingProblem } from '../shared/settings.ts';

export function readSettings(): { settings: LoadlensSettings; problems: SettingProblem[] } {
  const config = vscode.workspace.getConfiguration('loadlens');
  return parseSettings(key => config.get(key));
}

/** Calls `listener` with fresh settings (and any rejected values) whenever a `loadlens.*` setting changes. */
export function onSettingsChanged(listener: (read: { settings: LoadlensSettings; problems: SettingProblem[] }) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(event => {
    if (event.affectsConfiguration('loadlens')) listener(readSettings());
  });
}
