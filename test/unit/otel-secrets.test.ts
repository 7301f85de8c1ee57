// Header values are secrets: the engine sends them to the collector and writes them nowhere else: not
// in its configuration problems, its terminal output, its NDJSON or its report, even when the
// collector refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readTelemetryConfig, TelemetryConfigError } from '../../src/engine/telemetry/config.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'sekr1t-token-9c41';

test('otel secrets: a malformed header list is reported by entry and name, never by value', () => {
  const cases = [
    { OTEL_EXPORTER_OTLP_HEADERS: `x-sf-token=${SECRET}%zz` },
    { OTEL_EXPORTER_OTLP_HEADERS: `${SECRET}` },
    { OTEL_EXPORTER_OTLP_TRACES_HEADERS: `bad name=${SECRET}` },
  ];
  const messages = cases.map(env => {
    try {
      readTelemetryConfig(env);
      return 'no problem';
    } catch (error) {
      assert.ok(error instanceof TelemetryConfigError);
      return error.message;
    }
  });
  assert.deepEqual(messages.map(m => m.split('\n')[1]?.trim()), [
    "OTEL_EXPORTER_OTLP_HEADERS: the value of 'x-sf-token' is not valid percent-encoding",
    'OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value with a valid header name',
    'OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 is not key=value with a valid header name',
  ]);
  assert.ok(messages.every(m => !m.includes(SECRET)));
});

test('otel secrets: a run whose collector answers 401 sends the header, and prints or writes its value nowhere', async () => {
  const seen: string[] = [];
  const collector = http.createServer((req, res) => {
    seen.push(String(req.headers['x-sf-token']));
    req.resume();
    req.on('end', () => { res.statusCode = 401; res.end(`unauthorized token ${String(req.headers['x-sf-token']).slice(0, 3)}…`); });
  });
  const target = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
  await Promise.all([collector, target].map(server => new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-secrets-'));
  const file = path.join(dir, 'secret.load.ts');
  writeFileSync(file, `import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:${(target.address() as AddressInfo).port}', users: 1, runTime: '1s' }, async ({ http }) => { await http.get('/'); });
`);
  const report = path.join(dir, 'report.json');
  const html = path.join(dir, 'report.html');
  try {
    const result = await new Promise<{ stdout: string; stderr: string }>(resolve => {
      execFile(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--otel', '--headless', '--report', report, '--report', html], {
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
          OTEL_EXPORTER_OTLP_HEADERS: `X-SF-TOKEN=${SECRET}`,
          OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
        },
        timeout: 60_000,
      }, (_error, stdout, stderr) => resolve({ stdout: String(stdout), stderr: String(stderr) }));
    });
    assert.ok(seen.length >= 1, 'the collector was asked');
    assert.ok(seen.every(value => value === SECRET), 'every export carried the header');
    const written = [result.stdout, result.stderr, readFileSync(report, 'utf8'), readFileSync(html, 'utf8')];
    assert.ok(JSON.parse(written[2]!).telemetry.exportFailures >= 1, 'the refused exports are counted');
    assert.deepEqual(written.map(text => text.includes(SECRET)), [false, false, false, false]);
  } finally {
    collector.closeAllConnections();
    collector.close();
    target.closeAllConnections();
    target.close();
  }
});
