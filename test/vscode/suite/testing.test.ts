// Load tests in VS Code's Testing view, driven through the Testing API in the real extension host:
// a file with two scenarios against a loopback server started here (one meets its threshold, one
// breaches it) appears as items (file → scenarios → thresholds, each at its line); a run marks one
// passed and one failed with `errorRate < 1% — actual 100%` at the threshold's line and the failing
// requests' trace ids; an edit updates the items; cancelling stops the run as the Stop button does.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { HostToView } from '../../../src/shared/protocol.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

async function api(): Promise<LoadlensApi> {
  return vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
}

async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

/** The item tree below `item` as `label @line` strings (1-based lines), children indented. */
function outline(item: vscode.TestItem, depth = 0): string[] {
  const line = item.range ? ` @${item.range.start.line + 1}` : '';
  const description = item.description ? ` (${item.description})` : '';
  const children = [...item.children].map(([, child]) => child).flatMap(child => outline(child, depth + 1));
  return [`${'  '.repeat(depth)}${item.label}${line}${description}`, ...children];
}

suite('the Testing view', () => {
  let server: http.Server;
  let url: string;
  const counts = new Map<string, number>();
  const file = () => path.join(workspace(), 'testing-view.load.ts');
  const slowFile = () => path.join(workspace(), 'testing-cancel.load.ts');
  // The breached threshold's key is on line 14.
  const scenarioText = (host: string) => `import { scenario, constant } from 'loadlens';

export const healthy = scenario({
  host: '${host}', users: 1, runTime: '2s', wait: constant(0.1),
  thresholds: { errorRate: '< 1%', 'requests{name:/ok}': '>= 1' },
}, async ({ http }) => {
  await http.get('/ok');
});

export const failing = scenario({
  host: '${host}', users: 1, runTime: '2s', wait: constant(0.1),
  thresholds: {
    requests: '>= 1',
    errorRate: '< 1%',
  },
}, async ({ http }) => {
  await http.get('/broken');
});
`;

  suiteSetup(async () => {
    server = http.createServer((req, res) => {
      counts.set(req.url!, (counts.get(req.url!) ?? 0) + 1);
      req.resume();
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end('{}');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(file(), scenarioText(url));
  });

  suiteTeardown(() => {
    rmSync(file(), { force: true });
    rmSync(slowFile(), { force: true });
    server.closeAllConnections();
    server.close();
  });

  test('items: the load file, its two scenarios and their thresholds, each at its line', async () => {
    const { testing } = await api();
    await testing.controller.resolveHandler!(undefined);
    const item = await waitFor(() => testing.controller.items.get(vscode.Uri.file(file()).toString()), 'the file item');
    assert.equal(item.label, 'testing-view.load.ts');
    assert.equal(item.canResolveChildren, true, 'its scenarios are read when it is expanded or run');
    await testing.controller.resolveHandler!(item);
    assert.deepEqual(outline(item), [
      'testing-view.load.ts',
      '  healthy @3',
      '    errorRate < 1% @5',
      '    requests{name:/ok} >= 1 @5',
      '  failing @10',
      '    requests >= 1 @13',
      '    errorRate < 1% @14',
    ]);
    const ids = [...item.children].map(([id]) => id);
    assert.deepEqual(ids, [`${item.id}::healthy`, `${item.id}::failing`]);
  });

  test('a run marks one scenario passed and one failed, with the message, line and trace ids of the breached threshold', async function () {
    this.timeout(90_000);
    const { testing, panel } = await api();
    counts.clear();
    const item = testing.controller.items.get(vscode.Uri.file(file()).toString())!;
    const tokens = new vscode.CancellationTokenSource();
    // Run with OTel: the failures' spans go to the embedded receiver, so they carry trace ids.
    await testing.profiles.otel.runHandler(new vscode.TestRunRequest([item]), tokens.token);
    const result = (id: string) => testing.runner.results.get(`${item.id}::${id}`);

    assert.ok((counts.get('/ok') ?? 0) >= 2 && (counts.get('/broken') ?? 0) >= 2, JSON.stringify([...counts]));
    assert.equal(result('healthy')?.state, 'passed');
    assert.equal(result('healthy::errorRate')?.state, 'passed');
    assert.equal(result('healthy::requests{name:/ok}')?.state, 'passed');
    assert.equal(result('failing::requests')?.state, 'passed');

    const threshold = result('failing::errorRate')!;
    assert.equal(threshold.state, 'failed');
    assert.equal(threshold.messages.length, 1);
    const message = threshold.messages[0]!;
    assert.equal(message.text.split('\n')[0], '**errorRate < 1% — actual 100%**');
    assert.equal(message.line, 14);
    assert.equal(message.file, file());
    assert.match(message.text, new RegExp(`GET /broken {2}${counts.get('/broken')} requests · ${counts.get('/broken')} failed \\(100%\\)`));
    // Links that open the newest failing traces: the trace ids of the failed requests the report kept.
    const report = panel()!.posted.filter((m): m is Extract<HostToView, { kind: 'finished' }> => m.kind === 'finished').map(m => m.report).find(r => r.header.scenario === 'failing')!;
    const traceIds = report.failures.flatMap(f => f.traceIds);
    assert.ok(traceIds.length > 0, 'the failures kept their trace ids');
    for (const traceId of traceIds.slice(-3)) assert.ok(message.text.includes(`[${traceId}](command:loadlens.open-trace?`), `a link to ${traceId}`);
    assert.ok(threshold.durationMs! >= 2000, `${threshold.durationMs}`);

    const scenario = result('failing')!;
    assert.equal(scenario.state, 'failed');
    assert.deepEqual(scenario.messages.map(m => [m.text.split('\n')[0], m.line]), [['**errorRate < 1% — actual 100%**', 14]]);
    // The Testing view's output: each run's terminal summary.
    assert.match(testing.runner.output, /healthy finished after [\d:]+ \(run time reached\)/);
    assert.match(testing.runner.output, /failing finished after [\d:]+ \(run time reached\)[\s\S]*errorRate < 1%/);
  });

  test('an edit updates the items: a threshold added under a scenario appears at its line, ids kept', async () => {
    const { testing } = await api();
    const uri = vscode.Uri.file(file());
    const document = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(12, 0), "    'p95{name:/broken}': '< 5s',\n");
    assert.ok(await vscode.workspace.applyEdit(edit));
    const item = testing.controller.items.get(uri.toString())!;
    await waitFor(() => outline(item).includes('    p95{name:/broken} < 5s @13'), `the new threshold in ${outline(item).join(' | ')}`);
    assert.deepEqual(outline(item).slice(4), ['  failing @10', '    p95{name:/broken} < 5s @13', '    requests >= 1 @14', '    errorRate < 1% @15']);
    await document.save();
  });

  test('a scenario without thresholds says how it is judged; cancelling stops the run as Stop does, its report kept', async function () {
    this.timeout(90_000);
    const { testing, runs } = await api();
    writeFileSync(slowFile(), `import { scenario, constant } from 'loadlens';

export const endless = scenario({ host: '${url}', users: 1, runTime: '5m', wait: constant(0.1) }, async ({ http }) => {
  await http.get('/ok');
});
`);
    const uri = vscode.Uri.file(slowFile());
    const item = await waitFor(() => testing.controller.items.get(uri.toString()), 'the new file\'s item (the file watcher)');
    await testing.controller.resolveHandler!(item);
    assert.deepEqual(outline(item), ['testing-cancel.load.ts', '  endless @3 (no thresholds: passes unless the run is aborted or an iteration throws)']);
    const tokens = new vscode.CancellationTokenSource();
    const started = Date.now();
    counts.clear();
    const running = testing.profiles.run.runHandler(new vscode.TestRunRequest([item]), tokens.token);
    await waitFor(() => runs.running && (counts.get('/ok') ?? 0) > 0, 'the run\'s first requests', 30_000);
    tokens.cancel();
    await running;
    assert.ok(Date.now() - started < 30_000, `a 5-minute run stopped after ${Date.now() - started} ms`);
    assert.equal(testing.runner.results.get(`${item.id}::endless`)?.state, 'skipped');
    assert.match(testing.runner.output, /Cancelled: stopped after [\d.]+ s; its report is kept\./);
    assert.match(testing.runner.output, /endless finished after [\d:]+ \(stopped on request\)/);
  });
});
