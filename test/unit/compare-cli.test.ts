// `loadlens compare` as a CI gate, on two real runs (`loadlens run --report`) against a loopback target
// whose latency the test changes between them: 5 ms, then 60 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { RunComparison } from '../../src/shared/compare.ts';
import type { RunReport } from '../../src/shared/report.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-compare-'));

function loadlens(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', chunk => (stdout += chunk));
  child.stderr.on('data', chunk => (stderr += chunk));
  return new Promise(resolve => child.on('exit', code => resolve({ code, stdout, stderr })));
}

test('loadlens compare: a slower target is a p95 regression (exit 1); a run with itself exits 0; bad files exit 2', async () => {
  let delayMs = 5;
  const server = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('{"ok":true}'), delayMs);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const file = path.join(dir, 'latency.load.ts');
    writeFileSync(file, `
import { scenario } from 'loadlens';
export const browse = scenario({ host: '${url}', users: 2, spawnRate: 100, runTime: '1500ms' }, async ({ http }) => {
  await http.get('/product/1', { name: '/product/{id}' });
});
export const other = scenario({ host: '${url}', users: 1, runTime: '300ms' }, async ({ http }) => {
  await http.get('/other');
});`);
    const fast = path.join(dir, 'fast.json');
    const slow = path.join(dir, 'slow.json');
    const first = await loadlens(['run', file, '--scenario', 'browse', '--headless', '--report', fast]);
    assert.equal(first.code, 0, first.stderr);
    delayMs = 60;
    const second = await loadlens(['run', file, '--scenario', 'browse', '--headless', '--report', slow]);
    assert.equal(second.code, 0, second.stderr);
    const fastReport = JSON.parse(readFileSync(fast, 'utf8')) as RunReport;
    const slowReport = JSON.parse(readFileSync(slow, 'utf8')) as RunReport;
    const p95 = (r: RunReport) => r.requests.find(row => row.name === '/product/{id}')!.p95;
    assert.ok(p95(fastReport) >= 5, `fast p95 ${p95(fastReport)} ms`);
    assert.ok(p95(slowReport) >= 60, `slow p95 ${p95(slowReport)} ms`);

    const table = await loadlens(['compare', fast, slow]);
    assert.equal(table.code, 1, table.stderr);
    // The first p95 line is the request row's (the aggregate's comes after it).
    const p95Line = table.stdout.split('\n').find(l => /^\s+p95\s/.test(l));
    assert.match(p95Line ?? '', /^\s+p95\s+[\d.]+ ms\s+[\d.]+ ms\s+\+[\d.]+ ms \(\+\d+%\)\s+REGRESSION$/, table.stdout);
    assert.match(table.stdout, /^GET\s+\/product\/\{id\}\s+p50\s/m);
    assert.match(table.stdout, /regressions?: .*GET \/product\/\{id\} p95/);

    const json = await loadlens(['compare', fast, slow, '--json']);
    assert.equal(json.code, 1);
    const comparison = JSON.parse(json.stdout) as RunComparison;
    const row = comparison.rows.find(r => r.name === '/product/{id}')!;
    const delta = row.deltas.find(d => d.metric === 'p95')!;
    assert.deepEqual([delta.base, delta.next, delta.verdict], [p95(fastReport), p95(slowReport), 'regression']);
    assert.equal(comparison.base.runId, fastReport.header.runId);
    assert.equal(comparison.next.runId, slowReport.header.runId);

    // Margins wide enough for a 12× slowdown: the gate passes. (The RPS drop is allowed too.)
    const lenient = await loadlens(['compare', fast, slow, '--max-regression', 'p50=5000%,p95=5000%,p99=5000%,rps=100%']);
    assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);

    const same = await loadlens(['compare', slow, slow]);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stdout, /No regression beyond the margins\./);

    const truncated = path.join(dir, 'truncated.json');
    const text = readFileSync(slow, 'utf8');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    const broken = await loadlens(['compare', fast, truncated]);
    assert.equal(broken.code, 2);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, new RegExp(`^loadlens compare: ${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.*is it truncated\\?\\)\\n$`));

    const notReport = path.join(dir, 'package.json');
    writeFileSync(notReport, '{"name":"x"}');
    const wrong = await loadlens(['compare', notReport, slow]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /package\.json: not a Loadlens run report \('runId' is missing or not a string\)/);

    const otherFile = path.join(dir, 'other.json');
    const third = await loadlens(['run', file, '--scenario', 'other', '--headless', '--report', otherFile]);
    assert.equal(third.code, 0, third.stderr);
    const mismatched = await loadlens(['compare', fast, otherFile]);
    assert.equal(mismatched.code, 2);
    assert.match(mismatched.stderr, /fast\.json is a run of scenario 'browse' but .*other\.json is of 'other'/);

    const help = await loadlens(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {7}loadlens compare BASE\.json NEW\.json \[--max-regression LIMITS\] \[--json\]/m);
    assert.match(help.stdout, /Exit code: 0 no regression, 1 a regression beyond the margins, 2 a file is unreadable/);

    const badLimit = await loadlens(['compare', fast, slow, '--max-regression', 'p95=10']);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--max-regression 'p95=10': expected METRIC=VALUE/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
