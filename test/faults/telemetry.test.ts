// Fault suite, issue 11 item 6: spans lost in failed exports are counted as lost, with the last
// export error, in the summary and the report; repeated Ctrl+C cuts the telemetry flush short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cli, readReport, reportPath, scenarioFile, target, until } from './support.ts';

/** A collector that answers every export with `status`, or never answers (status 0); counts the exports. */
async function collector(status: number) {
  let posts = 0;
  const server = http.createServer((req, res) => {
    posts++;
    req.resume();
    if (status !== 0) req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: () => posts,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

test('faults: with the collector answering 500, every span is counted as lost with "HTTP 500" in the summary and the report', async () => {
  const failing = await collector(500);
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('collector-500', `
import { scenario } from 'loadlens';
export const traced = scenario({ host: '${ok.url}', users: 2, runTime: '2s', wait: { kind: 'constant', seconds: 0.02 } }, async ({ http }) => {
  await http.get('/traced');
});
`);
    const report = reportPath('collector-500');
    const { code, stdout, stderr } = await cli([file, '--headless', '--otel', '--report', report], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: failing.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_METRICS_EXPORTER: 'none' }, limitMs: 40_000,
    }).ended;
    assert.equal(code, 0, stderr);
    const result = readReport(report);
    const t = result.telemetry!;
    // One CLIENT span a request, one connect span per user's connection: all lost, none exported.
    const spans = result.totals.requests + 2;
    assert.equal(result.totals.requests, ok.received());
    assert.deepEqual(t, { spansExported: 0, spansDropped: 0, exportFailures: failing.posts(), spansLost: spans, lastExportError: 'HTTP 500' });
    assert.match(stdout, new RegExp(`${spans} spans lost \\(last export error: HTTP 500\\)`));
  } finally {
    await ok.close();
    await failing.close();
  }
});

test('faults: with the collector down, the lost spans say ECONNREFUSED', async () => {
  const down = await collector(500);
  const downUrl = down.url;
  await down.close();
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('collector-down', `
import { scenario } from 'loadlens';
export const traced = scenario({ host: '${ok.url}', users: 1, runTime: '1s', wait: { kind: 'constant', seconds: 0.05 } }, async ({ http }) => {
  await http.get('/traced');
});
`);
    const report = reportPath('collector-down');
    const { code, stderr } = await cli([file, '--headless', '--otel', '--report', report], {
      // The exporter retries a refused connection until its timeout: keep that short.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: downUrl, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' }, limitMs: 40_000,
    }).ended;
    assert.equal(code, 0, stderr);
    const t = readReport(report).telemetry!;
    assert.equal(t.lastExportError, 'ECONNREFUSED');
    assert.equal(t.spansExported, 0);
    assert.equal(t.spansLost, readReport(report).totals.requests + 1);
  } finally {
    await ok.close();
  }
});

test('faults: Ctrl+C three times cuts the telemetry flush short (a collector that never answers): exit in seconds, spans counted as lost', async () => {
  const silent = await collector(0);
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('flush-cut', `
import { scenario } from 'loadlens';
export const traced = scenario({ host: '${ok.url}', users: 1, runTime: '5m', wait: { kind: 'constant', seconds: 0.05 } }, async ({ http }) => {
  await http.get('/traced');
});
`);
    const report = reportPath('flush-cut');
    // The export timeout (30 s here) and the engine's 10 s flush bound would keep it for 10 s.
    const run = cli([file, '--headless', '--otel', '--report', report], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: silent.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' }, limitMs: 40_000,
    });
    await until(() => ok.received() >= 10 && silent.posts() >= 1, 20_000, 'requests and an export in flight');
    const stoppedAt = performance.now();
    for (let i = 0; i < 3; i++) {
      run.child.kill('SIGINT');
      await new Promise(resolve => setTimeout(resolve, 300));
    }
    const { code, stderr } = await run.ended;
    const stopMs = performance.now() - stoppedAt;
    assert.equal(code, 0, stderr);
    assert.ok(stopMs < 6000, `exited ${Math.round(stopMs)} ms after the first Ctrl+C (the flush alone would take 10 s)`);
    const result = readReport(report);
    assert.equal(result.totals.requests, ok.received());
    const t = result.telemetry!;
    assert.equal(t.spansExported, 0);
    assert.equal(t.spansLost, result.totals.requests + 1, 'every span never exported is counted as lost');
  } finally {
    await ok.close();
    await silent.close();
  }
});
