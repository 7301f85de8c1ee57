// `loadlens compare` on the breakdown's parts (issue 16): two reports whose GET /slowdb rows carry
// breakdowns made by a real BreakdownAggregator from spans (the inventory's database 10 ms, then
// 35 ms), written as report files and read back; the part's regression is named and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatComparison } from '../../src/engine/outputs/compare-table.ts';
import { BreakdownAggregator, withBreakdowns } from '../../src/shared/breakdown/index.ts';
import { compareRuns, parseRunReport, type RunComparison } from '../../src/shared/compare.ts';
import type { RequestRow, RunReport } from '../../src/shared/report.ts';
import { shopReport } from '../fixtures/snapshots/shop-run.ts';
import { slowdb } from '../support/breakdown-spans.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-compare-parts-'));

const slowdbRow = (p50: number): RequestRow => ({
  method: 'GET', name: '/slowdb', count: 100, failures: 0, p50, p90: p50, p95: p50, p99: p50, avg: p50, min: p50, max: p50, avgSize: 10,
  ttfbAvg: p50, connectAvg: 0, connects: 2, currentRps: 10, currentFailuresPerSec: 0, statusClasses: { '2xx': 100 },
});

/** A report file's text: the shop report plus GET /slowdb with the breakdown of 100 requests whose database took `dbMs`. */
function reportWithDatabase(runId: string, dbMs: number): string {
  const aggregator = new BreakdownAggregator();
  for (let i = 1; i <= 100; i++) aggregator.add(slowdb(i, dbMs), 0);
  aggregator.flush();
  // The row's own p50 is held equal, so only the part can regress.
  const requests = withBreakdowns([...shopReport.requests, slowdbRow(50)], (method, name) => aggregator.breakdownOf(method, name));
  const report: RunReport = { ...shopReport, header: { ...shopReport.header, runId }, requests };
  return JSON.stringify(report, null, 2);
}

const baseText = reportWithDatabase('base', 10);
const nextText = reportWithDatabase('next', 35);

test('compareRuns: the parts of a row are compared by the rows\' rule; the regression names the part and its change', () => {
  const base = parseRunReport(baseText, 'base.json');
  const next = parseRunReport(nextText, 'next.json');
  const comparison = compareRuns(base, next);
  const row = comparison.rows.find(r => r.name === '/slowdb')!;
  assert.deepEqual(row.deltas.filter(d => d.verdict !== 'unchanged'), []);
  assert.deepEqual(row.parts!.map(p => [p.service, p.span, p.kind, p.presence]), [
    ['inventory', 'db.query SELECT stock', 'client', 'both'], ['shop', 'GET /slowdb', 'server', 'both'], ['loadlens', 'network', 'network', 'both'],
  ]);
  const db = row.parts![0]!;
  assert.deepEqual(db.deltas.map(d => [d.metric, d.verdict]), [['p50', 'regression'], ['p95', 'regression'], ['p99', 'regression']]);
  // HDR: 10 ms and 35 ms each read at most 1 % high.
  const p50 = db.deltas[0]!;
  assert.ok(p50.base >= 10 && p50.base <= 10.1 && p50.next >= 35 && p50.next <= 35.35, `${p50.base} → ${p50.next}`);
  assert.ok(row.parts!.slice(1).every(part => part.deltas.every(d => d.verdict === 'unchanged')), 'network and the shop\'s own time did not change');
  const change = (p50.next - p50.base).toFixed(1);
  assert.deepEqual(comparison.regressions, [
    `GET /slowdb: inventory db.query SELECT stock p50 +${change} ms`,
    `GET /slowdb: inventory db.query SELECT stock p95 +${(db.deltas[1]!.next - db.deltas[1]!.base).toFixed(1)} ms`,
    `GET /slowdb: inventory db.query SELECT stock p99 +${(db.deltas[2]!.next - db.deltas[2]!.base).toFixed(1)} ms`,
  ]);
  // The table shows the part's changed percentiles under its row; an unchanged part is not listed.
  const table = formatComparison(comparison, 200);
  assert.match(table, /· inventory db\.query SELECT stock\s+self p50\s+10\.\d* ms\s+35\.\d* ms\s+\+2\d\.\d+ ms \(\+\d+%\)\s+REGRESSION/);
  assert.doesNotMatch(table, /· loadlens network/);
});

test('compareRuns: parts only one run has are listed without deltas; rows without a breakdown in both have no parts', () => {
  const base = parseRunReport(baseText, 'base.json');
  const next = parseRunReport(nextText, 'next.json');
  const slow = next.requests.find(r => r.name === '/slowdb')!;
  slow.breakdown = { ...slow.breakdown!, parts: [...slow.breakdown!.parts.slice(1), { service: 'inventory', span: 'cache.get', kind: 'client', selfMs: { p50: 1, p95: 2, p99: 3 }, share: 0.01 }] };
  const comparison = compareRuns(base, next);
  const row = comparison.rows.find(r => r.name === '/slowdb')!;
  assert.deepEqual(row.parts!.map(p => [p.span, p.presence, p.deltas.length]), [
    ['GET /slowdb', 'both', 3], ['network', 'both', 3], ['cache.get', 'next-only', 0], ['db.query SELECT stock', 'base-only', 0],
  ]);
  assert.deepEqual(comparison.regressions, []);
  assert.ok(comparison.rows.filter(r => r.name !== '/slowdb').every(r => r.parts === undefined));
});

test('loadlens compare: a part that regressed fails the gate (exit 1) and is named; with itself, exit 0', async () => {
  const baseFile = path.join(dir, 'base.json');
  const nextFile = path.join(dir, 'next.json');
  writeFileSync(baseFile, baseText);
  writeFileSync(nextFile, nextText);
  const run = (args: string[]) => new Promise<{ code: number | null; stdout: string }>(resolve => {
    const child = spawn(process.execPath, [path.join(root, 'src/engine/main.ts'), 'compare', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.on('exit', code => resolve({ code, stdout }));
  });
  const worse = await run([baseFile, nextFile]);
  assert.equal(worse.code, 1);
  assert.match(worse.stdout, /3 regressions: GET \/slowdb: inventory db\.query SELECT stock p50 \+2\d\.\d ms, /);
  const json = await run([baseFile, nextFile, '--json']);
  const comparison = JSON.parse(json.stdout) as RunComparison;
  assert.equal(comparison.regressions.length, 3);
  assert.equal(comparison.rows.find(r => r.name === '/slowdb')?.parts?.[0]?.span, 'db.query SELECT stock');
  const same = await run([nextFile, nextFile]);
  assert.equal(same.code, 0);
});
