// Fault suite, issue 20 items 11 and 13: what the CLI's reports say when there is little to say, or
// nobody left to read them. A new run of 0 requests is no data, not an improvement; a reader that
// closes the pipe (`--json | head -1`) is not a failed report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, readReport, reportPath, scenarioFile, target, until } from './support.ts';

test('faults: compare with a new run of 0 requests is "no data" (exit 1), never "improved"; two empty runs do not pass', async () => {
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('empty-compare', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${ok.url}', users: 1, runTime: '20s' }, async ({ http, vars }) => {
  if (process.env.EMPTY_RUN !== '1') await http.get('/p');
});
`);
    const base = reportPath('compare-base');
    const empty = reportPath('compare-empty');
    assert.equal((await cli([file, '--headless', '--iterations', '5', '--report', base], { limitMs: 30_000 }).ended).code, 0);
    assert.equal((await cli([file, '--headless', '--iterations', '1', '--report', empty], { limitMs: 30_000, env: { EMPTY_RUN: '1' } }).ended).code, 0);
    assert.equal(readReport(base).totals.requests, 5);
    assert.equal(readReport(empty).totals.requests, 0);

    const againstEmpty = await cli([base, empty], { command: 'compare', limitMs: 20_000 }).ended;
    // Before the fix: p95 and p99 'improved', exit 0.
    assert.equal(againstEmpty.code, 1, againstEmpty.stdout + againstEmpty.stderr);
    assert.doesNotMatch(againstEmpty.stdout, /improved/);
    assert.match(againstEmpty.stdout, /no data: the new run completed no request/);

    const bothEmpty = await cli([empty, empty, '--json'], { command: 'compare', limitMs: 20_000 }).ended;
    assert.equal(bothEmpty.code, 1, bothEmpty.stdout + bothEmpty.stderr);
    assert.deepEqual((JSON.parse(bothEmpty.stdout) as { regressions: string[] }).regressions, ['no data: the new run completed no request']);
  } finally {
    await ok.close();
  }
});

test('faults: --json | head -1: the reader closing the pipe is not a failure (exit 0, the report file written, no EPIPE)', async () => {
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('json-head', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${ok.url}', users: 1, runTime: '3s', wait: { kind: 'constant', seconds: 0.05 } }, async ({ http }) => { await http.get('/'); });
`);
    const report = reportPath('json-head');
    const run = cli([file, '--json', '--report', report], { limitMs: 30_000 });
    // As `head -1` does: read the first line, then close the pipe.
    await until(() => run.stdout().includes('\n'), 20_000, 'the first NDJSON line');
    run.child.stdout!.destroy();
    const { code, stderr, killed } = await run.ended;
    assert.equal(killed, false, stderr);
    // Before the fix: exit 3 with 'write EPIPE'.
    assert.doesNotMatch(stderr, /EPIPE|could not write/);
    assert.equal(code, 0, stderr);
    assert.equal(readReport(report).totals.requests, ok.received());
  } finally {
    await ok.close();
  }
});
