// One verdict for a report, the same in the terminal's exit code and the editor's badge and status bar:
// a run ended by force (a lost worker, stuck users) is not "passed" in the editor while the CLI exits 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpcOutput } from '../../src/engine/outputs/ipc.ts';
import type { EngineToHost } from '../../src/shared/protocol.ts';
import { EXIT, reportExitCode, type RunReport, type ThresholdResult } from '../../src/shared/report.ts';
import { applyHostMessage, emptyPanelState, panelModel } from '../../src/shared/panel-model.ts';
import type { RunHeader } from '../../src/shared/run.ts';

const met: ThresholdResult = { expression: 'p95 < 500ms', ok: true, actual: 12 } as ThresholdResult;
const breached: ThresholdResult = { expression: 'requests >= 54', ok: false, actual: 18 } as ThresholdResult;

const header: RunHeader = { runId: 'r', scenario: 's', file: 'f', startedAt: Date.parse('2026-11-29T09:00:00.000Z'), targetUsers: 1, runTimeMs: 10_000, host: 'http://127.0.0.1:1', otel: false };

function report(extra: Partial<RunReport>): RunReport {
  return {
    header, endedAt: '2026-11-29T09:00:10.000Z', durationMs: 10_000,
    totals: { requests: 18, failures: 0, rps: 1.8, p50: 1, p90: 1, p95: 1, p99: 1, avg: 1, min: 1, max: 1 },
    requests: [], failures: [], slowest: [], iterationErrors: [], thresholds: [met], timeline: [], stopReason: 'run-time', ...extra,
  };
}

test('reportExitCode: forced end first, then a shard never fails on its share, then the thresholds', () => {
  const cases: [title: string, report: RunReport, code: number][] = [
    ['thresholds met', report({}), EXIT.passed],
    ['a threshold breached', report({ thresholds: [met, breached] }), EXIT.thresholdFailed],
    ['a shard breaching on its share', report({ thresholds: [breached], header: { ...header, shard: { index: 1, count: 3 } } }), EXIT.passed],
    ['a worker lost, thresholds met', report({ aborted: 'worker-failed' }), EXIT.aborted],
    ['users stuck, a threshold breached', report({ aborted: 'users-stuck', thresholds: [breached] }), EXIT.aborted],
    ['a shard ended by force', report({ aborted: 'out-of-memory', header: { ...header, shard: { index: 0, count: 2 } } }), EXIT.aborted],
  ];
  for (const [title, given, code] of cases) assert.equal(reportExitCode(given), code, title);
});

test('the editor gets that verdict: IpcOutput\'s finished message, and the panel\'s passed flag from it', async () => {
  for (const [given, code, passed] of [[report({}), 0, true], [report({ aborted: 'worker-failed' }), 4, false], [report({ thresholds: [breached] }), 1, false]] as const) {
    const sent: EngineToHost[] = [];
    // Through JSON, as the IPC channel carries it.
    await new IpcOutput(message => sent.push(JSON.parse(JSON.stringify(message)) as EngineToHost)).stop(given);
    const finished = sent[0];
    assert.ok(finished?.kind === 'finished');
    assert.equal(finished.exitCode, code);
    const started = { kind: 'run-started', header } as const;
    const model = panelModel(applyHostMessage(applyHostMessage(emptyPanelState(), started), finished));
    assert.equal(model?.header.passed, passed, `exit ${code}`);
  }
});
