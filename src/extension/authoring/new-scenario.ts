// "Loadlens: New Scenario": asks for a name, writes NAME.load.ts next to the active file (or in the
// workspace root) and opens it with the first request's path selected.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { scenarioFileName, scenarioNameProblem, scenarioTemplate } from '../../shared/scenario-template.ts';

/** Where the new file goes: the active file's folder, else the first workspace folder. */
function targetFolder(): vscode.Uri | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.scheme !== 'untitled') return vscode.Uri.joinPath(active, '..');
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Creates the scenario; `given` (a name) skips the question, for keybindings and tests. Returns the new file. */
async function newScenario(given?: string): Promise<vscode.Uri | undefined> {
  const folder = targetFolder();
  if (!folder) {
    void vscode.window.showErrorMessage('Loadlens: open a folder (or a file in it) to create a scenario in.');
    return undefined;
  }
  const validate = async (name: string) =>
    scenarioNameProblem(name) ?? ((await exists(vscode.Uri.joinPath(folder, scenarioFileName(name)))) ? `${scenarioFileName(name)} already exists in ${path.basename(folder.fsPath)}` : undefined);
  const name = given ?? (await vscode.window.showInputBox({
    title: 'Loadlens: New Scenario',
    prompt: `Name of the scenario (the file ${path.basename(folder.fsPath)}/NAME.load.ts and its export)`,
    value: 'browse',
    validateInput: validate,
    ignoreFocusOut: true,
  }));
  if (name === undefined) return undefined;
  const problem = await validate(name);
  if (problem) {
    void vscode.window.showErrorMessage(`Loadlens: ${problem}`);
    return undefined;
  }
  const file = vscode.Uri.joinPath(folder, scenarioFileName(name));
  const { text, cursor } = scenarioTemplate(name);
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
  const editor = await vscode.window.showTextDocument(file);
  editor.selection = new vscode.Selection(cursor.line, cursor.start, cursor.line, cursor.end);
  editor.revealRange(editor.selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return file;
}

export function register(): vscode.Disposable[] {
  return [vscode.commands.registerCommand('loadlens.new-scenario', (name?: unknown) => newScenario(typeof name === 'string' ? name : undefined))];
}
