import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import type { HostToView } from '../../../src/shared/protocol.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

async function api(): Promise<LoadlensApi> {
  return vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
}

/** Sets loadlens.run.workers and waits until the extension has seen the change (its listener runs first). */
function setWorkers(value: number | 'auto' | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const listener = vscode.workspace.onDidChangeConfiguration(event => {
      if (!event.affectsConfiguration('loadlens.run.workers')) return;
      listener.dispose();
      resolve();
    });
    vscode.workspace.getConfiguration('loadlens').update('run.workers', value, vscode.ConfigurationTarget.Workspace).then(undefined, reject);
  });
}

suite('running a scenario in worker processes (loadlens.run.workers)', () => {
  let server: http.Server;
  let url: string;
  let received = 0;

  suiteSetup(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/product/1') received++;
      res.setHeader('content-type', 'application/json');
      res.end('{"id":1}');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(async () => {
    await setWorkers(undefined);
    server.closeAllConnections();
    server.close();
  });

  test('with loadlens.run.workers 2 the engine runs two workers, and the panel shows one merged run whose counts are what the server received', async () => {
    await setWorkers(2);
    received = 0;
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 4, spawnRate: 100, runTime: '4s', host: url });
    assert.equal(outcome.problem, undefined);
    assert.equal(outcome.exitCode, 0);
    const report = outcome.report!;
    assert.equal(report.workers?.length, 2, 'two worker processes');
    assert.notEqual(report.workers![0]!.pid, report.workers![1]!.pid);
    assert.equal(report.totals.requests, received, 'the report counts what the server received');
    assert.equal(report.workers!.reduce((sum, w) => sum + w.requests, 0), received, "the workers' shares add up");
    assert.ok(report.workers!.every(w => w.requests > 0), JSON.stringify(report.workers));
    assert.equal(report.requests.find(r => r.name === '/product/{id}')?.count, received);

    const panel = (await api()).panel()!;
    // This run's messages: from its start on (the panel may have shown other suites' runs before).
    const posted = panel.posted.slice(panel.posted.findLastIndex(m => m.kind === 'run-started'));
    const started = posted[0] as Extract<HostToView, { kind: 'run-started' }>;
    assert.equal(started.kind, 'run-started');
    assert.equal(started.header.runId, report.header.runId, 'one run id for the whole run');
    assert.equal(started.header.targetUsers, 4, "the workers' shares (2 + 2) add up to the plan");
    const stats = posted.filter((m): m is Extract<HostToView, { kind: 'stats' }> => m.kind === 'stats');
    assert.ok(stats.length >= 2, `stats posted: ${stats.length}`);
    assert.ok(stats.some(m => m.snapshot.users === 4), `users in the panel: ${stats.map(m => m.snapshot.users).join(',')}`);
    assert.deepEqual([...new Set(stats.map(m => m.snapshot.runId))], [report.header.runId]);
    const finished = posted.at(-1) as Extract<HostToView, { kind: 'finished' }>;
    assert.equal(finished.kind, 'finished');
    assert.equal(finished.report.totals.requests, received, "the panel's report");
  });
});
