// The run's numbers on the scenario's own lines, in the real extension host: examples/shop.load.ts
// (the shopper, as shipped) runs with OTel against a loopback shop that fails every GET /product/42;
// its call lines get the report's numbers, its hover links the failures' traces, the Problems panel
// gets the failed row and the breached threshold at their lines, and the next run of the file clears
// them all.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import type { EngineToHost, HostToView } from '../../../src/shared/protocol.ts';
import type { TraceLinkTarget } from '../../../src/shared/trace-link.ts';
import { poll } from '../../support/poll.ts';

async function api(): Promise<LoadlensApi> {
  return vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
}

/** The 1-based line of the only line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((line, index) => (line.includes(needle) ? [index + 1] : []));
  assert.equal(found.length, 1, `exactly one line contains ${needle}`);
  return found[0]!;
}

const oneDecimal = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

suite('the run on the scenario\'s lines', () => {
  let server: http.Server;
  let url: string;
  let product42 = 0;
  const shopFile = () => path.join(vscode.extensions.getExtension('loadlens.loadlens')!.extensionPath, 'examples', 'shop.load.ts');

  suiteSetup(async () => {
    // A shop as the shopper expects it; product 42 always fails.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/product/42') {
          product42++;
          res.statusCode = 500;
        }
        res.end(req.url === '/checkout/confirm' ? '{"orderId":"o-1"}' : '{"id":1}');
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(() => {
    server.closeAllConnections();
    server.close();
  });

  test('each call line shows its row\'s numbers, the hover links its failures\' traces, Problems sit at the right lines; the next run clears them', async () => {
    const file = shopFile();
    const text = readFileSync(file, 'utf8');
    const productLine = lineOf(text, 'http.get(`/product/${productId}`');
    const authenticateLine = lineOf(text, "http.post('/authenticate'");
    const errorRateLine = lineOf(text, "'errorRate': ");
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    const loadlens = await api();
    product42 = 0;

    const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario', uri, 'shopper', { users: 3, spawnRate: 10, runTime: '3s', host: url });
    assert.equal(outcome.problem, undefined);
    const report = outcome.report!;
    const product = report.requests.find(r => r.method === 'GET' && r.name === '/product/{product_id}')!;
    const authenticate = report.requests.find(r => r.method === 'POST' && r.name === '/authenticate')!;
    assert.ok(product.failures > 0 && product.failures === product42, `every GET /product/42 failed: ${product.failures} of ${product.count}, ${product42} received`);
    assert.deepEqual(product.location && [path.resolve(product.location.file), product.location.line], [path.resolve(file), productLine]);

    // Decorations: the report's own numbers, at the call's line.
    const shown = loadlens.decorations.decorationsOf(file);
    const p95 = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
    assert.deepEqual(shown.find(d => d.line === productLine), { line: productLine, text: `p95 ${p95(product.p95)} · ${product.failures} / ${product.count} failed` });
    assert.deepEqual(shown.find(d => d.line === authenticateLine), { line: authenticateLine, text: `p95 ${p95(authenticate.p95)} · ${authenticate.count} ok` });

    // Problems: the failed row at its call, the breached error-rate threshold (one in nine requests
    // fails) at its key; the p95 threshold holds.
    const errorRate = report.thresholds.find(t => t.expression.startsWith('errorRate'))!;
    assert.equal(errorRate.ok, false);
    assert.deepEqual(report.thresholds.filter(t => t.ok).map(t => t.expression.split(' ')[0]), ['p95']);
    const problems = vscode.languages.getDiagnostics(uri).filter(d => d.source === 'Loadlens');
    assert.deepEqual(problems.map(d => [d.range.start.line + 1, d.severity, d.message]).sort(), [
      [productLine, vscode.DiagnosticSeverity.Warning, `GET /product/{product_id}: ${product.failures} of ${product.count} failed (HTTP 500)`],
      [errorRateLine, vscode.DiagnosticSeverity.Warning, `threshold ${errorRate.expression} breached (actual ${oneDecimal(errorRate.actual)}%)`],
    ].sort());

    // The hover on the product line links the failure's newest trace ids to loadlens.open-trace.
    const failure = report.failures.find(f => f.name === '/product/{product_id}')!;
    const newest = failure.traceIds.at(-1)!;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(productLine - 1, 10));
    const markdown = hovers.flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.match(markdown, new RegExp(`HTTP 500 × ${failure.count}: \\[${newest.slice(0, 12)}…\\]\\(command:loadlens\\.open-trace\\?`));
    const link = /\(command:loadlens\.open-trace\?([^ )]+)/.exec(markdown)![1]!;
    const [target] = JSON.parse(decodeURIComponent(link)) as [TraceLinkTarget];
    assert.equal(target.traceId, newest);
    assert.equal(target.runId, report.header.runId);

    // Following the link opens Loadlens's trace view on that trace, with its CLIENT span from the embedded receiver.
    await vscode.commands.executeCommand('loadlens.open-trace', target);
    const view = loadlens.traceViews().find(v => v.target.traceId === newest);
    assert.ok(view, 'a trace view for the linked trace');
    const trace = await poll(() => view.posted.filter((m): m is Extract<HostToView, { kind: 'trace' }> => m.kind === 'trace').at(-1),
      last => Boolean(last?.spans.length), { timeoutMs: 10_000, everyMs: 100 });
    const client = trace?.spans.find(s => s.kindName === 'CLIENT');
    assert.equal(client?.traceId, newest);
    assert.equal(client?.attributes['http.response.status_code'], 500);
    assert.equal(client?.attributes['url.full'], `${url}/product/42`);
    view.dispose();

    // The next run of the file clears everything the moment it starts.
    await vscode.window.showTextDocument(uri);
    let atStart: { decorations: number; problems: number } | undefined;
    const listening = loadlens.runs.onMessage((message: EngineToHost) => {
      if (message.kind === 'started') {
        atStart = { decorations: loadlens.decorations.decorationsOf(file).length, problems: vscode.languages.getDiagnostics(uri).filter(d => d.source === 'Loadlens').length };
      }
    });
    try {
      await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario-plain', uri, 'shopper', { users: 1, spawnRate: 10, runTime: '1s', host: url });
    } finally {
      listening.dispose();
    }
    assert.deepEqual(atStart, { decorations: 0, problems: 0 });
  });
});
