import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as os from 'node:os';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import type { HostToView } from '../../../src/shared/protocol.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

async function api(): Promise<LoadlensApi> {
  const extension = vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!;
  return extension.activate();
}

suite('running a scenario', () => {
  let server: http.Server;
  let url: string;
  const counts = new Map<string, number>();

  suiteSetup(async () => {
    server = http.createServer((req, res) => {
      const key = `${req.method} ${req.url}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(req.url === '/checkout/confirm' ? '{"status":"pending"}' : '{"id":1}');
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(() => {
    server.closeAllConnections();
    server.close();
  });

  test('the engine child runs the scenario, streams stats to the panel, and reports what the server received', async () => {
    counts.clear();
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 3, spawnRate: 10, runTime: '3s', host: url });
    assert.equal(outcome.problem, undefined);
    assert.equal(outcome.exitCode, 0);
    const report = outcome.report!;
    assert.equal(report.header.scenario, 'browse');
    assert.equal(report.totals.requests, counts.get('GET /product/1'));
    assert.ok(report.totals.requests >= 20, `only ${report.totals.requests} requests in 3 s`);
    assert.equal(report.totals.failures, 0);
    assert.equal(report.telemetry, undefined, 'Run (not Run with OTel) exports nothing');
    assert.ok(report.durationMs >= 3000 && report.durationMs < 6000, `ran ${report.durationMs} ms`);

    const panel = (await api()).panel();
    assert.ok(panel, 'the results panel is open');
    const kinds = panel.posted.map((m: HostToView) => m.kind);
    assert.equal(kinds[0], 'run-started');
    assert.ok(kinds.filter(k => k === 'stats').length >= 2, `stats posted: ${kinds.join(',')}`);
    assert.equal(kinds.at(-1), 'finished');
    const finished = panel.posted.at(-1) as Extract<HostToView, { kind: 'finished' }>;
    assert.equal(finished.report.header.runId, report.header.runId);
    const lastStats = panel.posted.filter((m): m is Extract<HostToView, { kind: 'stats' }> => m.kind === 'stats').at(-1)!;
    assert.equal(lastStats.snapshot.requests.find(r => r.name === '/product/{id}')?.count, report.totals.requests);
  });

  test('the panel\'s Export writes the shown run\'s HTML and JSON reports; a reopened panel gets the run from the record', async () => {
    counts.clear();
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 1, spawnRate: 10, runTime: '2s', host: url });
    const report = outcome.report!;
    const loadlens = await api();
    const dir = await import('node:fs/promises').then(fs => fs.mkdtemp(path.join(os.tmpdir(), 'loadlens-export-')));
    const jsonFile = await loadlens.exportReport(report, 'json', vscode.Uri.file(path.join(dir, 'run.json')));
    const htmlFile = await loadlens.exportReport(report, 'html', vscode.Uri.file(path.join(dir, 'run.html')));
    const read = async (file: vscode.Uri | undefined) => new TextDecoder().decode(await vscode.workspace.fs.readFile(file!));
    const json = JSON.parse(await read(jsonFile)) as typeof report;
    assert.equal(json.header.runId, report.header.runId);
    assert.equal(json.totals.requests, counts.get('GET /product/1'));
    const html = await read(htmlFile);
    assert.match(html, new RegExp(`<tr data-key="GET /product/\\{id\\}"><td class="method">GET</td><td class="name">/<wbr>product/<wbr>\\{id\\}</td><td class="num">${report.totals.requests}</td>`));
    // Closed and reopened: the new panel's page is brought up to date from the extension's record.
    loadlens.panel()?.dispose();
    await vscode.commands.executeCommand('loadlens.show-results');
    const reopened = loadlens.panel()!.posted.map(m => m.kind === 'finished' ? `finished ${m.report.header.runId}` : m.kind);
    assert.equal(reopened[0], 'run-started');
    assert.equal(reopened.at(-1), `finished ${report.header.runId}`);
  });

  test('a failed check is counted against its request and shown with the failures', async () => {
    counts.clear();
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'checkout', { users: 1, runTime: '1s', host: url });
    const report = outcome.report!;
    const row = report.requests.find(r => r.method === 'POST' && r.name === '/checkout/confirm')!;
    assert.equal(row.count, counts.get('POST /checkout/confirm'));
    assert.equal(row.failures, row.count, 'the server returns no orderId: every check fails');
    assert.deepEqual(report.failures.map(f => [f.name, f.error, f.count]), [['/checkout/confirm', "check 'order id returned' failed", row.count]]);
  });

  test('a bad loadlens.run.nodePath ends the run with a problem naming the setting, and the next run starts', async () => {
    const config = vscode.workspace.getConfiguration('loadlens');
    /** Sets loadlens.run.nodePath and waits until the extension has seen the change (its listener runs first). */
    const setNodePath = (value: string | undefined) => new Promise<void>((resolve, reject) => {
      const listener = vscode.workspace.onDidChangeConfiguration(event => {
        if (!event.affectsConfiguration('loadlens.run.nodePath')) return;
        listener.dispose();
        resolve();
      });
      config.update('run.nodePath', value, vscode.ConfigurationTarget.Workspace).then(undefined, reject);
    });
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const badNode = path.join(os.tmpdir(), 'loadlens-no-such-dir', 'node');
    await setNodePath(badNode);
    try {
      const outcome = await Promise.race([
        vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 1, runTime: '1s', host: url }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the run with a bad nodePath never settled')), 15_000)),
      ]);
      assert.equal(outcome.report, undefined);
      assert.equal(outcome.exitCode, null);
      assert.equal(outcome.problem, `Could not start the engine: the setting loadlens.run.nodePath is '${badNode}' (no such file). ` +
        "Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.");
    } finally {
      await setNodePath(undefined);
    }
    counts.clear();
    const next = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 1, runTime: '1s', host: url });
    assert.equal(next.problem, undefined, 'not "A run is already in progress"');
    assert.equal(next.exitCode, 0);
    assert.equal(next.report?.totals.requests, counts.get('GET /product/1'));
    assert.ok((next.report?.totals.requests ?? 0) > 0);
  });

  test('an invalid scenario does not start: its problems go to the Problems panel at their line and column, no results panel opens', async () => {
    const file = path.join(workspace(), 'broken.load.ts');
    const uri = vscode.Uri.file(file);
    (await api()).panel()?.dispose();
    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'broken');
    assert.equal(outcome.report, undefined);
    assert.equal(outcome.exitCode, 2);
    assert.deepEqual(outcome.invalid!.diagnostics.map(d => [path.basename(d.file), d.line]), [['broken.load.ts', 3], ['broken.load.ts', 3]]);
    assert.equal((await api()).panel(), undefined, 'no results panel for a run that did not start');
    const problems = vscode.languages.getDiagnostics(uri).filter(d => d.source === 'loadlens');
    assert.deepEqual(problems.map(d => [d.range.start.line, d.range.start.character, d.severity, d.message]), [
      [2, 61, vscode.DiagnosticSeverity.Error, 'users: must be a positive integer, got -1'],
      [2, 72, vscode.DiagnosticSeverity.Error, "unknown option 'runtime': did you mean 'runTime'?"],
    ]);
  });
});
