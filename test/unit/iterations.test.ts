// --iterations: each user runs the scenario N times and the run ends then (the editor's Debug lens).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runSession } from '../../src/engine/run/session.ts';
import { ITERATIONS_RUN_TIME_CAP_MS, resolveRunOptions, RunOptionsError } from '../../src/engine/scenario/run-options.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-iterations-'));

async function countingServer() {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url!);
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

function scenarioFile(name: string, host: string): string {
  const file = path.join(dir, `${name}.load.ts`);
  // A scenario meant for a long load run: the iterations end it long before its run time.
  writeFileSync(file, `
import { scenario } from 'loadlens';
export const shopper = scenario({ host: '${host}', users: 50, runTime: '1h' }, async ({ http, userId, iteration }) => {
  await http.get('/product/' + userId + '/' + iteration);
  await http.post('/cart/add');
});`);
  return file;
}

test('iterations: one user, one iteration runs the scenario function exactly once, then the run ends', async () => {
  const target = await countingServer();
  try {
    const result = await runSession({ file: scenarioFile('once', target.url), overrides: { users: 1, iterations: 1 }, outputs: () => [] });
    assert.ok(result.ok);
    assert.deepEqual(target.paths, ['/product/1/0', '/cart/add']);
    assert.equal(result.report.iterations, 1);
    assert.equal(result.report.stopReason, 'iterations-done');
    assert.ok(result.report.durationMs < 3000, `ran ${result.report.durationMs} ms`);
  } finally {
    await target.close();
  }
});

test('iterations: 3 users × 2 iterations from the CLI (--iterations), no replacement users', async () => {
  const target = await countingServer();
  try {
    const file = scenarioFile('cli', target.url);
    // Asynchronously: this process serves the target.
    const cli = await promisify(execFile)(process.execPath, [path.join(root, 'src/engine/main.ts'), 'run', file, '--users', '3', '--spawn-rate', '100', '--iterations', '2', '--json'], { encoding: 'utf8', timeout: 60_000 });
    const last = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { type: string; report: { iterations: number; stopReason: string } };
    assert.equal(last.report.iterations, 6);
    assert.equal(last.report.stopReason, 'iterations-done');
    assert.deepEqual(target.paths.filter(p => p.startsWith('/product/')).sort(), ['/product/1/0', '/product/1/1', '/product/2/0', '/product/2/1', '/product/3/0', '/product/3/1']);
  } finally {
    await target.close();
  }
});

test('iterations: the run time defaults to a one-day cap, --run-time still caps it, and a bad value names the flag', () => {
  assert.equal(resolveRunOptions({ runTime: '10s' }, { iterations: 1 }).runTimeMs, ITERATIONS_RUN_TIME_CAP_MS);
  assert.equal(resolveRunOptions({ runTime: '10s' }, { iterations: '2', runTime: '5s' }).runTimeMs, 5000);
  assert.equal(resolveRunOptions({}, { iterations: 3 }).iterations, 3);
  assert.throws(() => resolveRunOptions({}, { iterations: '0' }), (error: RunOptionsError) => error.problems[0] === "--iterations: must be a positive integer, got '0'");
  assert.throws(() => resolveRunOptions({ stages: [{ duration: '10s', target: 5 }] }, { iterations: 1 }),
    (error: RunOptionsError) => error.problems[0] === '--iterations: applies to a fixed number of users, but the scenario uses stages: pass --users too');
});
