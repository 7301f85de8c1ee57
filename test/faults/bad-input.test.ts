// Fault suite, issue 11 items 7, 8 and 10: bad input is caught before the run, with a clear message
// naming the option, and no credential from a URL is ever printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cli, reportPath, scenarioFile, target } from './support.ts';

test('faults: a report path under /proc fails before the first user starts, in seconds, exit 2', async () => {
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('proc-report', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${ok.url}', users: 1, runTime: '3s' }, async ({ http }) => { await http.get('/'); });
`);
    const { code, stderr, stdout, ms, killed } = await cli([file, '--headless', '--report', '/proc/loadlens/report.json'], { limitMs: 20_000 }).ended;
    assert.equal(killed, false, 'spun until killed (before the fix)');
    assert.equal(code, 2, stderr);
    assert.equal(stderr.trim(), "loadlens run: --report: cannot write '/proc/loadlens/report.json': its directory cannot be created here");
    assert.equal(stdout, '');
    assert.equal(ok.received(), 0, 'no user started');
    assert.ok(ms < 15_000, `${Math.round(ms)} ms`);
  } finally {
    await ok.close();
  }
});

test('faults: a report path that is a directory fails before the run, naming it', async () => {
  const file = scenarioFile('dir-report', `
import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '3s' }, async () => {});
`);
  const { code, stderr } = await cli([file, '--report', '/tmp/'], { limitMs: 20_000 }).ended;
  // '/tmp/' does not end in .json/.html: the extension check names it first. A directory named x.json:
  assert.equal(code, 2, stderr);
  const dirReport = reportPath('a-directory').replace(/\.report\.json$/, '.json');
  await import('node:fs/promises').then(fs => fs.mkdir(dirReport, { recursive: true }));
  const second = await cli([file, '--report', dirReport], { limitMs: 20_000 }).ended;
  assert.equal(second.code, 2, second.stderr);
  assert.equal(second.stderr.trim(), `loadlens run: --report: '${dirReport}' is a directory`);
});

test('faults: durations beyond what timers hold (2^31 ms) are refused, naming the option: runTime, timeout, gracefulStop, stages, --run-time', async () => {
  const file = scenarioFile('long-durations', `
import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '600h', timeout: '700h', gracefulStop: '800h' }, async () => {});
`);
  const { code, stderr, killed } = await cli([file, '--headless'], { limitMs: 20_000 }).ended;
  assert.equal(killed, false);
  assert.equal(code, 2, stderr);
  const lines = stderr.trim().split('\n').map(line => line.replace(/^.*long-durations\.load\.ts:\d+:\d+: /, ''));
  assert.deepEqual(lines.sort(), [
    "gracefulStop: '800h' is longer than the engine's timers can hold; the longest is 596h31m24s (about 24.8 days)",
    "runTime: '600h' is longer than the engine's timers can hold; the longest is 596h31m24s (about 24.8 days)",
    "timeout: '700h' is longer than the engine's timers can hold; the longest is 596h31m24s (about 24.8 days)",
  ]);

  const ok = scenarioFile('short', `
import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '1s' }, async () => {});
`);
  const flag = await cli([ok, '--headless', '-t', '600h'], { limitMs: 20_000 }).ended;
  assert.equal(flag.code, 2, 'before the fix: ended at once with exit 0');
  assert.match(flag.stderr, /--run-time: '600h' is longer than the engine's timers can hold/);

  const staged = scenarioFile('long-stages', `
import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:9', stages: [{ duration: '400h', target: 1 }, { duration: '400h', target: 0 }] }, async () => {});
`);
  const stages = await cli([staged, '--headless'], { limitMs: 20_000 }).ended;
  assert.equal(stages.code, 2, stages.stderr);
  assert.match(stages.stderr, /stages: together they last 800h, longer than the engine's timers can hold/);
});

test('faults: an invalid OTLP endpoint with credentials is named with its password redacted', async () => {
  const file = scenarioFile('secret-endpoint', `
import { scenario } from 'loadlens';
export const s = scenario({ host: 'http://127.0.0.1:9', users: 1, runTime: '1s' }, async () => {});
`);
  const { code, stderr, stdout } = await cli([file, '--headless', '--otel'], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:secret@host:notaport' }, limitMs: 20_000 }).ended;
  assert.equal(code, 2, stderr);
  assert.doesNotMatch(stderr + stdout, /secret/);
  assert.match(stderr, /OTEL_EXPORTER_OTLP_ENDPOINT='http:\/\/user:\*\*\*@host:notaport' is not a URL/);

  const host = await cli([file, '--headless', '--host', 'ftp://user:hunter2@127.0.0.1:9'], { limitMs: 20_000 }).ended;
  assert.equal(host.code, 2, host.stderr);
  assert.doesNotMatch(host.stderr + host.stdout, /hunter2/);
  assert.match(host.stderr, /--host: must be an http:\/\/ or https:\/\/ URL such as 'http:\/\/127\.0\.0\.1:8080', got 'ftp:\/\/user:\*\*\*@127\.0\.0\.1:9'/);
  assert.equal(existsSync('/proc/loadlens'), false);
});
