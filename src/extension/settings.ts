// The one place that reads `loadlens.*` configuration. Everybody else receives the frozen object.
import * as vscode from 'vscode';
import { parseSettings, type LoadlensSettings, type SettingProblem } from '../shared/settings.ts';

export function readSettings(): { settings: LoadlensSettings; problems: SettingProblem[] } {
  const config = vscode.workspace.getConfiguration('loadlens');
  // Set by the user at any level (not the manifest's default): such a value wins over the OTEL_* environment.
  const isUserSet = (key: string) => {
    const found = config.inspect(key);
    return found !== undefined && [found.globalValue, found.workspaceValue, found.workspaceFolderValue].some(value => value !== undefined);
  };
  return parseSettings(key => config.get(key), isUserSet);
}

/** Calls `listener` with fresh settings (and any rejected values) whenever a `loadlens.*` setting changes. */
export function onSettingsChanged(listener: (read: { settings: LoadlensSettings; problems: SettingProblem[] }) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(event => {
    if (event.affectsConfiguration('loadlens')) listener(readSettings());
  });
}
