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

/**
 * The settings in force: read at activation, replaced whenever a `loadlens.*` setting changes. Rejected
 * values are reported in the output channel and, the first of them, in a warning.
 */
export class LiveSettings implements vscode.Disposable {
  private value: LoadlensSettings;
  private readonly output: vscode.OutputChannel;
  private readonly changed = new vscode.EventEmitter<LoadlensSettings>();
  /** Fires after `current` changed. */
  readonly onDidChange = this.changed.event;
  private readonly watch: vscode.Disposable;

  constructor(output: vscode.OutputChannel) {
    this.output = output;
    const initial = readSettings();
    this.value = initial.settings;
    this.report(initial.problems);
    this.watch = onSettingsChanged(next => {
      this.value = next.settings;
      this.report(next.problems);
      this.changed.fire(next.settings);
    });
  }

  get current(): LoadlensSettings {
    return this.value;
  }

  private report(problems: SettingProblem[]): void {
    for (const p of problems) this.output.appendLine(`[settings] ${p.message}`);
    if (problems.length > 0) void vscode.window.showWarningMessage(`Loadlens: ${problems[0]!.message}`);
  }

  dispose(): void {
    this.watch.dispose();
    this.changed.dispose();
  }
}
