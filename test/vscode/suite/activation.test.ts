import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from '../../support/poll.ts';

const EXTENSION_ID = 'loadlens.loadlens';
const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

suite('activation', () => {
  test('activation is lazy: on scenario files and commands, never on "*"', () => {
    // Activation must be lazy: the workspace holds *.load.ts, so workspaceContains may already have
    // fired; what must never happen is activation on '*'.
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { activationEvents: string[] };
    assert.ok(!manifest.activationEvents.includes('*'));
    assert.ok(manifest.activationEvents.some(e => e.startsWith('workspaceContains:') && e.includes('.load.')));
  });

  test('opening a *.load.ts activates the extension and registers its commands', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(workspace(), 'checkout.load.ts'));
    await vscode.window.showTextDocument(doc);
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in the host`);
    await until(() => extension.isActive, 'the extension to activate', { timeoutMs: 20_000, everyMs: 100 });
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['loadlens.run-scenario', 'loadlens.run-scenario-plain', 'loadlens.run-with-options', 'loadlens.stop-run', 'loadlens.show-results']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  test('CodeLenses sit above each scenario (Run with OTel, Run, Options…, Debug), naming it', async () => {
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const lenses = await until(async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return found.length >= 8 ? found : undefined;
    }, 'eight CodeLenses', { timeoutMs: 20_000, everyMs: 100 });
    const ours = lenses.filter(l => l.command?.command.startsWith('loadlens.'));
    assert.deepEqual(ours.map(l => [l.range.start.line, l.command!.title, l.command!.arguments![1]]), [
      [2, '▶ Run with OTel', 'browse'], [2, 'Run', 'browse'], [2, 'Options…', 'browse'], [2, 'Debug', 'browse'],
      [6, '▶ Run with OTel', 'checkout'], [6, 'Run', 'checkout'], [6, 'Options…', 'checkout'], [6, 'Debug', 'checkout'],
    ]);
  });
});
