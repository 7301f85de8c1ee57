/**
 * `loadlens run --receiver`: the flags checked before the run (each problem names its flag), the wait
 * for late spans bounded by --span-wait while spans keep coming, and a Ctrl+C that ends the wait at
 * once with the report still written. Real CLI child processes, a loopback target, real OTLP posts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-cli-receiver-'));
let target: http.Server;
let file: string;

before(async () => {
  target = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
  file = path.join(dir, 'tiny.load.ts');
  writeFileSync(file, `
import { scenario, constant } from 'loadlens';
export const tiny = scenario({ host: 'http://127.0.0.1:${(target.address() as AddressInfo).port}', wait: constant(0.05) }, async ({ http }) => {
  await http.get('/ping');
});`);
});
after(() => {
  target.closeAllConnections();
  target.close();
});

function cli(args: string[]): { child: ChildProcessByStdio<null, Readable, Readable>; stderr: () => string; exited: Promise<number | null> } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('OTEL_')) env[name] = value;
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', chunk => (stderr += chunk));
  child.stdout.resume();
  return { child, stderr: () => stderr, exited: new Promise(resolve => child.on('exit', resolve)) };
}

/** Resolves once `stderr()` matches, with the match; rejects after `ms`. */
async function waitFor(stderr: () => string, pattern: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const deadline = performance.now() + ms;
  for (;;) {
    const match = pattern.exec(stderr());
    if (match) return match;
    if (performance.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms; stderr:\n${stderr()}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

const flagCases: Array<{ args: string[]; message: string }> = [
  { args: ['--receiver', 'x'], message: "--receiver must be a port 0..65535 (0: a free one), got 'x'" },
  { args: ['--receiver', '70000'], message: "--receiver must be a port 0..65535 (0: a free one), got '70000'" },
  { args: ['--forward', 'http://127.0.0.1:4318'], message: '--forward needs --receiver PORT (it is about the spans the receiver gets)' },
  { args: ['--span-wait', '5s'], message: '--span-wait needs --receiver PORT (it is about the spans the receiver gets)' },
  { args: ['--receiver', '0', '--forward', 'grpc://127.0.0.1:4317'], message: "--forward: 'grpc://127.0.0.1:4317' must start with http:// or https://" },
  { args: ['--receiver', '0', '--span-quiet', 'soon'], message: "--span-quiet: 'soon' is not a duration: use a number of seconds or e.g. '30s', '10m', '1h'" },
  { args: ['--receiver', '0', '--span-quiet', '0'], message: "--span-quiet must be more than 0, got '0'" },
];

test('bad receiver flags: exit 2 before the run, each problem naming its flag', async () => {
  // Side by side: each is a CLI start of a few seconds.
  await Promise.all(flagCases.map(async ({ args, message }) => {
    const run = cli(args);
    assert.equal(await run.exited, 2, args.join(' '));
    assert.equal(run.stderr(), `loadlens run: ${message}\n`, args.join(' '));
  }));
});

test('--receiver on a taken port: exit 2, saying so before any user starts', async () => {
  const port = (target.address() as AddressInfo).port;
  const run = cli(['--receiver', String(port)]);
  assert.equal(await run.exited, 2);
  assert.equal(run.stderr(), `loadlens run: --receiver: cannot listen on 127.0.0.1:${port}: port ${port} is taken (--receiver 0 picks a free one)\n`);
});

test('the wait ends at --span-wait while spans keep arriving, and the report says so', async () => {
  const reportFile = path.join(dir, 'limit.json');
  const run = cli(['--otel', '--receiver', '0', '--span-quiet', '1s', '--span-wait', '2s', '--users', '1', '--run-time', '1s', '--headless', '--report', reportFile]);
  const [, url] = await waitFor(run.stderr, /OTLP receiver on (http:\/\/127\.0\.0\.1:\d+)/);
  // An application that never stops exporting: a span every 100 ms, until the run is over.
  let posted = 0;
  let running = true;
  void run.exited.then(() => (running = false));
  const body = (i: number) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chatty' } }] }, scopeSpans: [{ spans: [{
    traceId: '5b8efff798038103d269b633813fc60c', spanId: (i + 1).toString(16).padStart(16, '0'), name: 'tick', kind: 1,
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now() + 1) * 1_000_000n),
  }] }] }] });
  await waitFor(run.stderr, /waiting for late spans/);
  const started = performance.now();
  while (running && performance.now() - started < 10_000) {
    await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(posted++) }).catch(() => undefined);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  assert.equal(await run.exited, 0, run.stderr());
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  assert.equal(report.receiver?.waitEnded, 'limit');
  assert.ok(report.receiver.waitedMs >= 2000 && report.receiver.waitedMs < 3000, `waited ${report.receiver.waitedMs} ms`);
  assert.ok(report.receiver.lateSpans >= 10, `${report.receiver.lateSpans} late spans`);
  assert.match(run.stderr(), /late spans in 2\.\d s \(the limit; spans arriving later are not in the report\)/);
});

test('Ctrl+C during the wait ends it at once; the report is written and the run passes', async () => {
  const reportFile = path.join(dir, 'interrupted.json');
  const run = cli(['--otel', '--receiver', '0', '--span-quiet', '60s', '--span-wait', '120s', '--users', '1', '--run-time', '1s', '--headless', '--report', reportFile]);
  await waitFor(run.stderr, /waiting for late spans at http:\/\/127\.0\.0\.1:\d+ \(until 60 s without one, at most 120 s; Ctrl\+C to stop waiting\)/);
  const interrupted = performance.now();
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
  const tookMs = performance.now() - interrupted;
  assert.ok(tookMs < 5000, `exited ${tookMs.toFixed(0)} ms after the Ctrl+C`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  assert.equal(report.receiver?.waitEnded, 'interrupted');
  assert.ok(report.receiver.spansReceived >= report.totals.requests, 'the engine\'s own spans went to the receiver');
  assert.equal(report.requests[0]?.breakdown?.traces, report.requests[0]?.count, 'each request is its own trace');
  assert.match(run.stderr(), /\(stopped waiting: Ctrl\+C\)/);
  assert.doesNotMatch(run.stderr(), /SIGINT: stopping/, 'the Ctrl+C ended the wait, not a run that was already over');
});
