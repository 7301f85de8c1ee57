// Run history and comparison in the real extension host: finished runs land in the workspace's
// .loadlens/runs with the per-scenario bound honoured, the Loadlens view lists them, a run opens in the
// results panel from the view's command, and two runs against a target made slower in between compare
// with p95 marked as a regression.
import * as assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareView } from '../../../src/extension/compare/compare-view.ts';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import { formatRunSummary, summarizeRun } from '../../../src/shared/history.ts';
import type { HostToCompareView, HostToView } from '../../../src/shared/protocol.ts';
import { until } from '../../support/poll.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

suite('run history and comparison', () => {
  let server: http.Server;
  let url: string;
  let delayMs = 5;
  const runsFolder = () => path.join(workspace(), '.loadlens', 'runs');
  // No wait between requests: hundreds of requests per run, so p95 is not one user's cold first request.
  const scenarioFile = () => path.join(workspace(), 'history-latency.load.ts');
  const config = () => vscode.workspace.getConfiguration('loadlens');

  suiteSetup(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('{"id":1}'), delayMs);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    rmSync(runsFolder(), { recursive: true, force: true });
    writeFileSync(scenarioFile(), `import { scenario } from 'loadlens';

export const browse = scenario({ host: 'http://127.0.0.1:9', users: 2, runTime: '1500ms' }, async ({ http }) => {
  await http.get('/product/1', { name: '/product/{id}' });
});
`);
    await config().update('history.maxRunsPerScenario', 2, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await config().update('history.maxRunsPerScenario', undefined, vscode.ConfigurationTarget.Workspace);
    rmSync(scenarioFile(), { force: true });
    server.closeAllConnections();
    server.close();
  });

  test('finished runs are kept (the last 2 per scenario), listed in the view, opened in the panel and compared', async () => {
    const loadlens = await vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
    const uri = vscode.Uri.file(scenarioFile());
    const run = async () => {
      const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'browse', { users: 2, spawnRate: 10, runTime: '1500ms', host: url });
      assert.equal(outcome.problem, undefined);
      return outcome.report!;
    };
    const first = await run();
    const second = await run();
    delayMs = 60;
    const third = await run();

    // The first run was pruned when the third was saved: the bound is 2 per scenario.
    const files = readdirSync(runsFolder()).sort();
    assert.equal(files.length, 2, files.join(', '));
    assert.ok(files[0]!.endsWith(`_browse_${second.header.runId}.json`), files[0]);
    assert.ok(files[1]!.endsWith(`_browse_${third.header.runId}.json`), files[1]);
    assert.ok(!files.some(f => f.includes(first.header.runId)));

    // The view: one scenario, its two runs newest first, each with its numbers.
    const scenarios = await loadlens.history.getChildren();
    const browse = scenarios.find(n => n.kind === 'scenario' && n.scenario === 'browse');
    assert.ok(browse && browse.kind === 'scenario');
    const runs = await loadlens.history.getChildren(browse);
    assert.deepEqual(runs.map(n => (n.kind === 'run' ? n.run.runId : '')), [third.header.runId, second.header.runId]);
    const item = loadlens.history.getTreeItem(runs[1]!);
    // The line's format is unit-tested (history.test.ts); here: it is this run's saved numbers.
    assert.match(String(item.description), new RegExp(`^${second.totals.requests} req · [\\d.]+ RPS · p95 [\\d.]+ m?s · 0% errors$`));
    assert.equal(item.description, formatRunSummary(summarizeRun(second, path.join(runsFolder(), files[0]!))));
    assert.equal(item.command?.command, 'loadlens.open-run');
    const secondFile = path.join(runsFolder(), files[0]!);
    assert.deepEqual(item.command?.arguments, [secondFile]);

    // A click on the item runs its command: the panel shows that report.
    await vscode.commands.executeCommand(item.command!.command, ...item.command!.arguments!);
    const panel = loadlens.panel()!;
    const finished = panel.posted.filter((m): m is Extract<HostToView, { kind: 'finished' }> => m.kind === 'finished').at(-1)!;
    assert.equal(finished.report.header.runId, second.header.runId);
    assert.equal(finished.report.totals.requests, second.totals.requests);
    const started = panel.posted.filter((m): m is Extract<HostToView, { kind: 'run-started' }> => m.kind === 'run-started').at(-1)!;
    assert.equal(started.header.runId, second.header.runId);

    // Compare: the 60 ms run against the 5 ms one.
    const view = await vscode.commands.executeCommand<CompareView>('loadlens.compare-runs', secondFile, path.join(runsFolder(), files[1]!));
    assert.ok(view, 'the comparison tab opened');
    const message = await until(() => view.posted.find((m): m is Extract<HostToCompareView, { kind: 'comparison' }> => m.kind === 'comparison'), 'comparison posted to the page', { timeoutMs: 15_000 });
    const row = message.comparison.rows.find(r => r.method === 'GET' && r.name === '/product/{id}')!;
    const p95 = row.deltas.find(d => d.metric === 'p95')!;
    assert.equal(p95.base, second.requests.find(r => r.name === '/product/{id}')!.p95);
    assert.equal(p95.next, third.requests.find(r => r.name === '/product/{id}')!.p95);
    assert.ok(p95.next >= 60, `new p95 ${p95.next} ms`);
    assert.equal(p95.verdict, 'regression');
    assert.ok(message.comparison.regressions.includes('GET /product/{id} p95'), message.comparison.regressions.join(', '));
    assert.match(view.panel.title, /^Compare browse \(\d+ regressions?\)$/);
    view.dispose();
  });
});
