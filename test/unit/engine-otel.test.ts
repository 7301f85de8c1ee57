// `loadlens run --otel` end to end: the CLI child exports to a real OTLP receiver (protobuf decoded),
// the target records the traceparent it received, and nothing is lost at the stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOtlpReceiver } from '../../src/receiver/index.ts';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-otel-'));

async function target() {
  const traceparents: string[] = [];
  const baggage = new Set<string>();
  const server = http.createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent));
    baggage.add(String(req.headers.baggage));
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, traceparents, baggage, close: () => { server.closeAllConnections(); server.close(); } };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  return new Promise(resolve => child.on('exit', code => resolve({ code, stdout, stderr })));
}

test('--otel: every request is an exported CLIENT span whose ids the target received in traceparent', async () => {
  const receiver = await startOtlpReceiver({ port: 0 });
  const app = await target();
  try {
    const file = path.join(dir, 'traced.load.ts');
    writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const traced = scenario({ host: '${app.url}', users: 3, runTime: '1500ms', wait: constant(0.02) }, async ({ http, check }) => {
  const res = await http.get('/items/' + 7, { name: '/items/{id}' });
  check(res, { 'never true': () => false });
  await http.get('/broken');
});`);
    const reportFile = path.join(dir, 'traced.json');
    const { code, stderr } = await run([file, '--otel', '--headless', '--report', reportFile], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'checkout-load', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
    });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    const spans = receiver.spans();
    const clients = spans.filter(s => s.kindName === 'CLIENT');
    const connects = spans.filter(s => s.name === 'connect');
    // Flushed at the stop: nothing lost.
    assert.equal(clients.length, report.totals.requests);
    assert.equal(app.traceparents.length, report.totals.requests);
    assert.equal(connects.length, 3, 'one connect span per user connection');
    assert.deepEqual(report.telemetry, { spansExported: clients.length + connects.length, spansDropped: 0, exportFailures: 0 });
    // The header the target saw is the exported span's context.
    const byId = new Map(clients.map(s => [s.spanId, s]));
    for (const header of app.traceparents) {
      const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header) ?? [];
      assert.equal(byId.get(parentId!)?.traceId, traceId, header);
    }
    assert.equal(app.baggage.size, 1);
    assert.equal([...app.baggage][0], `loadlens.run.id=${report.header.runId}`);
    const item = clients.find(s => s.name === 'GET /items/{id}')!;
    assert.equal(item.attributes['loadlens.request.name'], '/items/{id}');
    assert.equal(item.attributes['http.response.status_code'], 200);
    assert.equal(item.status.codeName, 'ERROR', 'the failed check marks the span');
    assert.equal(item.attributes['error.type'], "check 'never true' failed");
    assert.equal(clients.find(s => s.name === 'GET /broken')!.attributes['error.type'], '500');
    assert.equal(item.resource['service.name'], 'checkout-load');
    assert.equal(item.resource['deployment.environment'], 'test');
    assert.equal(item.resource['loadlens.run.id'], report.header.runId);
    // Failures carry the trace ids of their requests.
    const failure = report.failures.find(f => f.name === '/broken')!;
    assert.ok(failure.traceIds.length > 0 && failure.traceIds.every(id => clients.some(s => s.traceId === id && s.name === 'GET /broken')));
  } finally {
    app.close();
    await receiver.close();
  }
});

test('--otel with the collector down: the run completes, reports its requests and counts the failed exports', async () => {
  const app = await target();
  const down = await startOtlpReceiver({ port: 0 });
  await down.close(); // nothing listens there any more
  try {
    const file = path.join(dir, 'down.load.ts');
    writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const down = scenario({ host: '${app.url}', users: 2, runTime: '1s', wait: constant(0.02) }, async ({ http }) => { await http.get('/x'); });`);
    const started = Date.now();
    const { code, stdout } = await run([file, '--otel', '--json'], { OTEL_EXPORTER_OTLP_ENDPOINT: down.url, OTEL_EXPORTER_OTLP_TIMEOUT: '1000', OTEL_BSP_SCHEDULE_DELAY: '200' });
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
    const report = (JSON.parse(stdout.trim().split('\n').at(-1)!) as { report: RunReport }).report;
    assert.equal(report.totals.requests, app.traceparents.length);
    assert.ok(report.telemetry!.exportFailures > 0, JSON.stringify(report.telemetry));
    assert.equal(report.telemetry!.spansExported, 0);
  } finally {
    app.close();
  }
});

test('--otel with an unsupported OTEL_* value: exit 2 naming the variable, no run', async () => {
  const app = await target();
  try {
    const file = path.join(dir, 'config.load.ts');
    writeFileSync(file, `import { scenario } from 'loadlens';\nexport const c = scenario({ host: '${app.url}', runTime: '1s' }, async ({ http }) => { await http.get('/'); });`);
    const { code, stderr } = await run([file, '--otel'], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cret' });
    assert.equal(code, 2);
    assert.match(stderr, /OTEL_EXPORTER_OTLP_PROTOCOL/);
    assert.doesNotMatch(stderr, /s3cret/, 'secrets never reach the output');
    assert.equal(app.traceparents.length, 0);
  } finally {
    app.close();
  }
});
