// Writing scenarios in the real extension host: types with no install (the TypeScript server with the
// Loadlens plugin), `loadlens check` Problems before anything runs, and "Loadlens: New Scenario".
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import { until } from '../../support/poll.ts';

const EXTENSION_ID = 'loadlens.loadlens';

async function api(): Promise<LoadlensApi> {
  return vscode.extensions.getExtension<LoadlensApi>(EXTENSION_ID)!.activate();
}

const describe = (d: vscode.Diagnostic) => `${d.range.start.line + 1}:${d.range.start.character + 1} [${d.source}] ${d.message}`;

/** A folder with no package.json and no node_modules, as a new user's. */
function freshFolder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'loadlens-fresh-'));
}

suite('writing scenarios', () => {
  suiteSetup(async function () {
    this.timeout(60_000);
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    // The packaged extension carries node_modules/loadlens-typescript-plugin, where tsserver looks. This
    // development host runs from the checkout, whose node_modules is the project's: point tsserver at the
    // same package folder, which the build writes to out/tsserver-plugin-probe.
    if (!existsSync(path.join(extensionPath, 'node_modules/loadlens-typescript-plugin'))) {
      await vscode.workspace.getConfiguration('typescript.tsserver').update('pluginPaths', [path.join(extensionPath, 'out/tsserver-plugin-probe')], vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('typescript.restartTsServer').then(undefined, () => undefined);
    }
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('typescript.tsserver').update('pluginPaths', undefined, vscode.ConfigurationTarget.Global);
  });

  test('types with no install: the example scenario in a fresh folder has 0 problems once the TS server has checked it', async function () {
    this.timeout(240_000);
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const folder = freshFolder();
    const example = path.join(folder, 'shopper.load.ts');
    writeFileSync(example, readFileSync(path.join(extensionPath, 'examples/shop.load.ts'), 'utf8'));
    // A control in the same folder: its TypeScript error proves the server has checked files there.
    const control = path.join(folder, 'control.load.ts');
    writeFileSync(control, "import { scenario } from 'loadlens';\n\nexport const c = scenario({ users: 1 }, async ({ http }) => {\n  await http.gett('/');\n});\n");
    // A plain JavaScript scenario: no "Cannot find module", real completions.
    const script = path.join(folder, 'browse.load.js');
    writeFileSync(script, "import { scenario } from 'loadlens';\n\nexport const browse = scenario({ users: 1 }, async ({ http }) => {\n  await http.get('/');\n});\n");
    const scriptDoc = await vscode.workspace.openTextDocument(script);
    const controlDoc = await vscode.workspace.openTextDocument(control);
    await vscode.window.showTextDocument(controlDoc, { preview: false });
    const exampleDoc = await vscode.workspace.openTextDocument(example);
    await vscode.window.showTextDocument(exampleDoc, { preview: false });

    const controlProblems = await until(() => {
      const found = vscode.languages.getDiagnostics(controlDoc.uri).filter(d => d.source === 'ts');
      return found.length > 0 ? found : undefined;
    }, 'the TS server to check the control file', { timeoutMs: 180_000, everyMs: 250 });
    // 'gett' is misspelt: TypeScript knows HttpClient, so the types resolved.
    assert.deepEqual(controlProblems.map(describe), ["4:14 [ts] Property 'gett' does not exist on type 'HttpClient'. Did you mean 'get'?"]);

    const text = exampleDoc.getText();
    const at = exampleDoc.positionAt(text.indexOf('scenario({') + 2);
    const hover = await until(async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', exampleDoc.uri, at);
      const shown = hovers.flatMap(h => h.contents.map(c => (typeof c === 'string' ? c : c.value))).join('\n');
      return shown.includes('Defines a scenario') ? shown : undefined;
    }, 'the hover on scenario( to show its doc comment', { timeoutMs: 60_000, everyMs: 250 });
    assert.match(hover, /scenario\(options: ScenarioOptions, fn: UserFunction\): ScenarioDefinition/);

    const completions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', exampleDoc.uri, exampleDoc.positionAt(text.indexOf('http.post') + 5));
    const labels = completions.items.map(i => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.deepEqual(['get', 'post', 'put', 'patch', 'delete', 'head', 'request'].filter(m => !labels.includes(m)), []);

    const scriptCompletions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', scriptDoc.uri, new vscode.Position(3, 13));
    const scriptLabels = scriptCompletions.items.map(i => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.deepEqual(['get', 'post', 'request'].filter(m => !scriptLabels.includes(m)), [], 'completions after http. in a .load.js');

    // Every file has been checked by now; give the example's diagnostics a moment to be published.
    await new Promise(resolve => setTimeout(resolve, 2_000));
    await (await api()).checks.whenChecked(exampleDoc.uri);
    assert.deepEqual(vscode.languages.getDiagnostics(exampleDoc.uri).map(describe), []);
    assert.deepEqual(vscode.languages.getDiagnostics(scriptDoc.uri).map(describe), []);
  });

  test('a typo in an option is a Problem at its line and column before anything runs, with a quick fix', async function () {
    this.timeout(120_000);
    const folder = freshFolder();
    const file = path.join(folder, 'typo.load.ts');
    writeFileSync(file, [
      "import { scenario, between } from 'loadlens';",
      '',
      'export const browse = scenario({',
      "  host: 'http://127.0.0.1:9',",
      '  users: 5,',
      '  spawnrate: 2,',
      '  wait: between(1, 2),',
      '}, async ({ http }) => {',
      "  await http.get('/');",
      '});',
      '',
    ].join('\n'));
    const loadlens = await api();
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const problems = await until(() => {
      const found = vscode.languages.getDiagnostics(doc.uri).filter(d => d.source === 'loadlens');
      return found.length > 0 ? found : undefined;
    }, 'loadlens check to report the typo', { timeoutMs: 90_000, everyMs: 250 });
    assert.deepEqual(problems.map(d => [d.range.start.line, d.range.start.character, d.range.end.character, d.severity, d.message]), [
      [5, 2, 11, vscode.DiagnosticSeverity.Error, "unknown option 'spawnrate': did you mean 'spawnRate'?"],
    ]);
    assert.equal(loadlens.runs.running, false, 'nothing ran');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, problems[0]!.range);
    const fix = actions.find(a => a.title === "Change 'spawnrate' to 'spawnRate'");
    assert.ok(fix?.edit, `no quick fix among: ${actions.map(a => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.lineAt(5).text, '  spawnRate: 2,');
    await doc.save();
    await until(() => vscode.languages.getDiagnostics(doc.uri).filter(d => d.source === 'loadlens').length === 0, 'the Problem to clear after the fix is saved', { timeoutMs: 60_000, everyMs: 250 });
    assert.equal(loadlens.runs.running, false, 'still nothing ran');
  });

  test('Loadlens: New Scenario writes NAME.load.ts beside the active file and puts the cursor on the first request', async function () {
    this.timeout(60_000);
    const folder = freshFolder();
    const beside = path.join(folder, 'existing.load.ts');
    writeFileSync(beside, "import { scenario } from 'loadlens';\n");
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(beside));

    const created = await vscode.commands.executeCommand<vscode.Uri | undefined>('loadlens.new-scenario', 'checkoutFlow');
    assert.equal(created?.fsPath, path.join(folder, 'checkoutFlow.load.ts'));
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.fsPath, created.fsPath);
    assert.equal(editor.document.lineAt(editor.selection.active.line).text, "  const res = await http.get('/');");
    assert.equal(editor.document.getText(editor.selection), '/');
    assert.match(readFileSync(created.fsPath, 'utf8'), /^export const checkoutFlow = scenario\(\{$/m);

    const lenses = await until(async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', created);
      return found.length >= 3 ? found : undefined;
    }, 'the CodeLens above the new scenario', { timeoutMs: 20_000, everyMs: 250 });
    assert.deepEqual(lenses.map(l => [l.range.start.line, l.command?.arguments?.[1]]).slice(0, 1), [[3, 'checkoutFlow']]);

    // A name that cannot be an export, or a file that exists, creates nothing.
    assert.equal(await vscode.commands.executeCommand('loadlens.new-scenario', 'my-flow'), undefined);
    assert.equal(await vscode.commands.executeCommand('loadlens.new-scenario', 'checkoutFlow'), undefined);
    assert.equal(existsSync(path.join(folder, 'my-flow.load.ts')), false);
  });
});
