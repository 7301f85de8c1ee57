// Run history on a real temporary folder: names that sort and never collide, the per-scenario bound,
// listing grouped by scenario newest first, and the view's summary line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listRuns, saveRun } from '../../src/extension/history/history-folder.ts';
import {
  filesToPrune, formatRunSummary, formatThresholdVerdict, formatWhen, historyFileName, parseHistoryFileName, scenarioSlug, summarizeRun,
} from '../../src/shared/history.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { shopReport } from '../fixtures/snapshots/shop-run.ts';

const at = (scenario: string, startedAt: string, runId: string, over: Partial<RunReport> = {}): RunReport => ({ ...shopReport, header: { ...shopReport.header, scenario, startedAt: Date.parse(startedAt), runId }, ...over });

describe('history file names', () => {
  test('start (UTC) + scenario + run id; sortable; read back', () => {
    const name = historyFileName(at('shopper', '2026-11-29T06:38:58.123Z', '8c574873-0d48-4294-a251-0c6c7266ad7d').header);
    assert.equal(name, '20261129T063858123Z_shopper_8c574873-0d48-4294-a251-0c6c7266ad7d.json');
    assert.deepEqual(parseHistoryFileName(name), {
      file: name, startedAt: '2026-11-29T06:38:58.123Z', slug: 'shopper', runId: '8c574873-0d48-4294-a251-0c6c7266ad7d',
    });
    const earlier = historyFileName(at('shopper', '2026-11-29T06:38:57.999Z', 'b').header);
    const later = historyFileName(at('shopper', '2026-11-30T00:00:00.000Z', 'a').header);
    assert.deepEqual([later, name, earlier].sort(), [earlier, name, later]);
    // Same millisecond, different runs: different files.
    assert.notEqual(historyFileName(at('shopper', '2026-11-29T06:38:58.123Z', 'run-1').header), historyFileName(at('shopper', '2026-11-29T06:38:58.123Z', 'run-2').header));
  });
  const slugs: Array<[string, string]> = [['shopper', 'shopper'], ['shop & "friends"', 'shop-friends'], ['../../etc', 'etc'], ['a_b', 'a-b'], ['', 'scenario']];
  for (const [scenario, slug] of slugs) test(`scenario '${scenario}' → '${slug}'`, () => assert.equal(scenarioSlug(scenario), slug));
  test('other files are not history files', () => {
    for (const file of ['notes.json', 'report.html', '20261129T063858123Z_shopper_abc.json.123.tmp']) assert.equal(parseHistoryFileName(file), undefined, file);
  });
});

describe('pruning', () => {
  test('keeps the newest N per scenario, never touches other files', () => {
    const files = [
      '20260101T000000000Z_a_1.json', '20260102T000000000Z_a_2.json', '20260103T000000000Z_a_3.json',
      '20260101T000000000Z_b_1.json', 'mine.json',
    ];
    assert.deepEqual(filesToPrune(files, 2), ['20260101T000000000Z_a_1.json']);
    assert.deepEqual(filesToPrune(files, 1), ['20260101T000000000Z_a_1.json', '20260102T000000000Z_a_2.json']);
    assert.deepEqual(filesToPrune(files, 5), []);
  });

  test('saveRun writes the report and honours the bound on a real folder', async () => {
    const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'loadlens-history-')), '.loadlens', 'runs');
    const saved: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { file, pruned } = await saveRun(folder, at('shopper', `2026-11-29T06:0${i}:00.000Z`, `run-${i}`), 3);
      saved.push(file);
      assert.deepEqual(pruned, i < 3 ? [] : [saved[i - 3]]);
    }
    await saveRun(folder, at('browse', '2026-11-29T05:00:00.000Z', 'old-browse'), 3);
    await writeFile(path.join(folder, 'notes.json'), '{}');
    assert.deepEqual((await readdir(folder)).sort(), [
      '20261129T050000000Z_browse_old-browse.json',
      '20261129T060200000Z_shopper_run-2.json', '20261129T060300000Z_shopper_run-3.json', '20261129T060400000Z_shopper_run-4.json',
      'notes.json',
    ]);
    const back = JSON.parse(await readFile(saved[4]!, 'utf8')) as RunReport;
    assert.equal(back.header.runId, 'run-4');
    assert.equal(back.totals.requests, shopReport.totals.requests);

    await writeFile(path.join(folder, '20261129T070000000Z_shopper_broken.json'), '{"runId": "br');
    const { scenarios, unreadable } = await listRuns(folder);
    assert.deepEqual(scenarios.map(s => [s.scenario, s.runs.map(r => r.runId)]), [['browse', ['old-browse']], ['shopper', ['run-4', 'run-3', 'run-2']]]);
    assert.equal(unreadable.length, 1);
    assert.match(unreadable[0]!, /20261129T070000000Z_shopper_broken\.json: not valid JSON/);
    assert.deepEqual(await listRuns(path.join(folder, 'missing')), { scenarios: [], unreadable: [] });
  });
});

describe('the view line', () => {
  test('summary of the shop report', () => {
    const summary = summarizeRun(shopReport, '/w/.loadlens/runs/x.json');
    const { requests, failures, rps, p95 } = shopReport.totals;
    assert.deepEqual([summary.requests, summary.rps, summary.p95, summary.errorRate], [requests, rps, p95, (failures / requests) * 100]);
    assert.equal(summary.passed, false, 'the shop report breaches a threshold');
    assert.equal(formatRunSummary(summary), '✗ 6112 req · 102 RPS · p95 186 ms · 0.5% errors');
  });
  const cases: Array<[string, Partial<ReturnType<typeof summarizeRun>>, string]> = [
    ['passed', { passed: true, thresholds: 2, requests: 1234, rps: 41.13, p95: 12.34, errorRate: 0 }, '✓ 1234 req · 41.1 RPS · p95 12.3 ms · 0% errors'],
    ['failed', { passed: false, thresholds: 1, requests: 20000, rps: 333.3, p95: 1520, errorRate: 2.345 }, '✗ 20000 req · 333 RPS · p95 1.52 s · 2.3% errors'],
    ['no thresholds', { passed: true, thresholds: 0, requests: 10, rps: 2, p95: 250.4, errorRate: 0.05 }, '10 req · 2.0 RPS · p95 250 ms · <0.1% errors'],
  ];
  for (const [name, over, line] of cases) {
    test(name, () => assert.equal(formatRunSummary({ ...summarizeRun(shopReport, 'x'), ...over }), line));
  }
  test('the thresholds in words (tooltip, screen readers)', () => {
    const base = summarizeRun(shopReport, 'x');
    assert.deepEqual([
      formatThresholdVerdict({ ...base, thresholds: 0 }), formatThresholdVerdict({ ...base, thresholds: 1, passed: true }),
      formatThresholdVerdict({ ...base, thresholds: 3, passed: true }), formatThresholdVerdict({ ...base, thresholds: 3, passed: false }),
    ], ['no thresholds', 'all 1 threshold passed', 'all 3 thresholds passed', 'a threshold failed']);
  });
  test('when: local time', () => {
    const local = new Date(2026, 10, 29, 6, 8, 5);
    assert.equal(formatWhen(local.toISOString()), '2026-11-29 06:08:05');
  });
});
