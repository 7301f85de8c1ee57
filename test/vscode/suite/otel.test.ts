import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { RunOutcome } from '../../../src/extension/run/run-controller.ts';
import { startOtlpReceiver } from '../../../src/receiver/index.ts';
import { poll } from '../../support/poll.ts';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

/** Whether something listens on 127.0.0.1:`port` (a listen there fails with EADDRINUSE). */
function portTaken(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const probe = http.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

async function countingTarget() {
  const traceparents: string[] = [];
  const server = http.createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent));
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { traceparents, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

suite('running with OTel from the editor', () => {
  test('with no endpoint configured, the spans go to Loadlens\'s own receiver in the editor', async () => {
    const target = await countingTarget();
    const api = await vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
    const updated = new Set<string>();
    const subscription = api.receiver.onTracesUpdated(ids => ids.forEach(id => updated.add(id)));
    try {
      const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
      const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-scenario', uri, 'browse', { users: 2, runTime: '2s', host: target.url });
      const report = outcome.report!;
      const receiver = await api.receiver.current!;
      const clients = (await receiver.spans()).filter(s => s.kindName === 'CLIENT' && s.resource['loadlens.run.id'] === report.header.runId);
      assert.equal(clients.length, report.totals.requests);
      assert.equal(target.traceparents.length, report.totals.requests);
      assert.equal(report.telemetry?.exportFailures, 0);
      // A failure's or a slow request's trace id finds its trace in the embedded store.
      const traceId = report.slowest.find(s => s.traceId)!.traceId!;
      assert.equal((await api.receiver.trace(traceId)).find(s => s.kindName === 'CLIENT')?.traceId, traceId);
      // The worker tells the extension which traces got spans (batched, a few times a second).
      await poll(() => updated.has(traceId), Boolean, { timeoutMs: 2000 });
      assert.ok(updated.has(traceId), `onTracesUpdated named ${updated.size} traces, not ${traceId}`);
      // The standard OTLP/HTTP port 4318 by default when it is free (an app with OTel's default
      // configuration then exports there with nothing set); another port only when something else holds it.
      if (receiver.port !== 4318) assert.equal(await portTaken(4318), true, `the receiver took ${receiver.port} though 4318 was free`);
      const started = api.panel()!.posted.findLast(m => m.kind === 'run-started');
      assert.equal(started?.kind === 'run-started' ? started.otlpReceiver : undefined, receiver.url);
      assert.equal(receiver.url, `http://127.0.0.1:${receiver.port}`);
    } finally {
      subscription.dispose();
      target.close();
    }
  });


  test('the loadlens.otel.endpoint setting reaches the engine: every request arrives at the collector as a span of this run', async () => {
    const receiver = await startOtlpReceiver({ port: 0 });
    const traceparents: string[] = [];
    const target = http.createServer((req, res) => {
      traceparents.push(String(req.headers.traceparent));
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
    const config = vscode.workspace.getConfiguration('loadlens');
    try {
      await config.update('otel.endpoint', receiver.url, vscode.ConfigurationTarget.Workspace);
      await config.update('otel.serviceName', 'editor-load', vscode.ConfigurationTarget.Workspace);
      const uri = vscode.Uri.file(path.join(workspace(), 'checkout.load.ts'));
      const host = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      const outcome = await vscode.commands.executeCommand<RunOutcome>('loadlens.run-with-options', uri, 'browse', { users: 2, runTime: '2s', host });
      const report = outcome.report!;
      assert.equal(outcome.problem, undefined);
      const clients = receiver.spans().filter(s => s.kindName === 'CLIENT');
      assert.equal(clients.length, report.totals.requests);
      assert.equal(traceparents.length, report.totals.requests);
      assert.ok(clients.every(s => s.resource['loadlens.run.id'] === report.header.runId && s.resource['service.name'] === 'editor-load'));
      assert.equal(report.telemetry?.exportFailures, 0);
      assert.equal(report.telemetry?.spansExported, receiver.spans().length, 'CLIENT spans and their connect children, all flushed');
      const api = await vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
      const started = api.panel()!.posted.findLast(m => m.kind === 'run-started');
      assert.equal(started?.kind === 'run-started' && started.otlpReceiver, undefined, 'the panel shows no embedded receiver when the setting wins');
    } finally {
      await config.update('otel.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('otel.serviceName', undefined, vscode.ConfigurationTarget.Workspace);
      target.closeAllConnections();
      target.close();
      await receiver.close();
    }
  });
});
