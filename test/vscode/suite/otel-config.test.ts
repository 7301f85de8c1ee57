// OTel configuration in the editor: stored headers reach the collector and nothing else, the
// connection test says what went wrong, the lenses follow loadlens.otel.enabled.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import type { ProbeResult } from '../../../src/extension/otel/otlp-probe.ts';
import { startOtlpReceiver } from '../../../src/receiver/index.ts';
import { poll } from '../../support/poll.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const api = () => vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
const config = () => vscode.workspace.getConfiguration('loadlens');

async function listen(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

/** Every file under `dir` (bounded), for grepping. */
function filesUnder(dir: string, limit = 2000): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (files.length >= limit) return;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  walk(dir);
  return files;
}

suite('OTel configuration in the editor', () => {
  test('a header set with "Set OTLP Headers…" reaches the collector, and its value is in no setting file, output, report or panel message', async function () {
    this.timeout(120_000);
    // A fresh token: the value the test looks for everywhere. Assertions never print it.
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const seen: http.IncomingHttpHeaders[] = [];
    const receiver = await startOtlpReceiver({ port: 0, onRequest: ({ path: signalPath, headers }) => { if (signalPath === '/v1/traces') seen.push(headers); } });
    const target = await listen((_req, res) => res.end('{}'));
    try {
      await config().update('otel.endpoint', receiver.url, vscode.ConfigurationTarget.Workspace);
      const stored = await vscode.commands.executeCommand<{ names: string[] }>('loadlens.set-otlp-headers', `X-SF-TOKEN=${token}`);
      assert.deepEqual(stored?.names, ['X-SF-TOKEN']);

      const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
      const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario', uri, 'browse', { users: 1, runTime: '1s', host: target.url });
      assert.equal(outcome.problem, undefined);
      const report = outcome.report!;
      assert.ok(report.totals.requests >= 1);
      assert.equal(report.telemetry?.exportFailures, 0);
      assert.ok(seen.length >= 1, 'the collector received trace exports');
      assert.ok(seen.every(headers => headers['x-sf-token'] === token), 'every trace export carried the stored X-SF-TOKEN value');
      assert.equal(receiver.spans().filter(s => s.kindName === 'CLIENT' && s.resource['loadlens.run.id'] === report.header.runId).length, report.totals.requests);

      const loadlens = await api();
      const output = loadlens.outputText();
      assert.ok(output.includes(`[otel] spans → ${receiver.url}/v1/traces (setting loadlens.otel.endpoint)`), 'the output channel says where spans go and which setting decided it');
      assert.ok(output.includes('headers: X-SF-TOKEN (stored with "Loadlens: Set OTLP Headers…"; values not shown)'), 'the output names the header');
      assert.equal(output.includes(token), false, 'the token is not in the output channel');
      assert.equal(JSON.stringify(report).includes(token), false, 'the token is not in the report');
      assert.equal(JSON.stringify(loadlens.panel()?.posted ?? []).includes(token), false, 'the token is not in any message to the webview');
      const userSettings = path.resolve(loadlens.globalStorage.fsPath, '..', '..', 'settings.json');
      const files = [...filesUnder(workspace()), ...(fs.existsSync(userSettings) ? [userSettings] : [])];
      assert.ok(files.some(f => f.endsWith(path.join('.vscode', 'settings.json'))), 'the workspace settings file was among those read');
      const holding = files.filter(f => fs.readFileSync(f, 'latin1').includes(token));
      assert.deepEqual(holding, [], 'no file under the workspace or the user settings holds the token');

      // Cleared: the next export carries no token.
      await vscode.commands.executeCommand('loadlens.clear-otlp-headers');
      seen.length = 0;
      const probe = await vscode.commands.executeCommand<ProbeResult>('loadlens.test-otel-connection');
      assert.equal(probe.outcome, 'ok');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!['x-sf-token'], undefined, 'no X-SF-TOKEN after Clear OTLP Headers');
    } finally {
      await vscode.commands.executeCommand('loadlens.clear-otlp-headers');
      await config().update('otel.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      target.close();
      await receiver.close();
    }
  });

  test('Test OTel Connection says OK with the round trip, refused, 401 (check the token) and 404 (wrong path), against loopback servers', async function () {
    this.timeout(60_000);
    const receiver = await startOtlpReceiver({ port: 0 });
    const unauthorized = await listen((_req, res) => { res.statusCode = 401; res.end('invalid token'); });
    const notFound = await listen((_req, res) => { res.statusCode = 404; res.end(); });
    const closed = net.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const refusedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>(resolve => closed.close(() => resolve()));
    const probe = async (endpoint: string) => {
      await config().update('otel.endpoint', endpoint, vscode.ConfigurationTarget.Workspace);
      return vscode.commands.executeCommand<ProbeResult>('loadlens.test-otel-connection');
    };
    try {
      const ok = await probe(receiver.url);
      assert.equal(ok.outcome, 'ok');
      assert.match(ok.message, new RegExp(`^OK: ${receiver.url}/v1/traces accepted the probe span \\(HTTP 200\\) in \\d+ ms\\.$`));
      const [span] = await receiver.waitForSpans(1, 5000);
      assert.equal(span!.traceId, ok.traceId);

      const refused = await probe(`http://127.0.0.1:${refusedPort}`);
      assert.equal(refused.outcome, 'refused');
      assert.equal(refused.message, `Connection refused: nothing listens on http://127.0.0.1:${refusedPort}. Is the collector running, and is the port right?`);

      const denied = await probe(unauthorized.url);
      assert.equal(denied.outcome, 'unauthorized');
      assert.equal(denied.message, `HTTP 401 from ${unauthorized.url}/v1/traces: the endpoint refused the credentials. Check the token ("Loadlens: Set OTLP Headers…").`);

      const wrongPath = await probe(notFound.url);
      assert.equal(wrongPath.outcome, 'not-found');
      assert.match(wrongPath.message, new RegExp(`^HTTP 404 from ${notFound.url}/v1/traces: wrong path\\.`));
      assert.ok((await api()).outputText().includes(wrongPath.message), 'the output channel has the same words');
    } finally {
      await config().update('otel.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      unauthorized.close();
      notFound.close();
      await receiver.close();
    }
  });

  test('with loadlens.otel.enabled off the lenses do not promise "Run with OTel"', async () => {
    const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
    // The lens command reads an open document's model.
    await vscode.workspace.openTextDocument(uri);
    const titles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map(l => l.command?.title).filter(t => t !== undefined);
    const firstLens = async () => (await titles()).slice(0, 4).join(' | ');
    assert.equal(await firstLens(), '▶ Run with OTel | Run | Options… | Debug');
    try {
      await config().update('otel.enabled', false, vscode.ConfigurationTarget.Workspace);
      // The provider refreshes on the settings change; the editor asks again.
      await poll(firstLens, now => !now.startsWith('▶ Run with OTel'), { timeoutMs: 10_000, everyMs: 100 });
      assert.equal((await titles()).slice(0, 3).join(' | '), '▶ Run | Options… | Debug');
      assert.equal((await titles()).includes('▶ Run with OTel'), false);
    } finally {
      await config().update('otel.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
