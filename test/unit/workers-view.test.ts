// A `--workers N` run as the person watching it sees it (issue 12 §2): the words for a worker and a
// lost one (src/shared/workers.ts), the results panel's header strip (live from the snapshot, then from
// the report, and for a past run opened from history), the HTML report's Workers table and the
// terminal summary, all in one wording.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary } from '../../src/engine/outputs/terminal.ts';
import { renderHtmlReport } from '../../src/engine/outputs/report-html.ts';
import { applyHostMessage, emptyPanelState, panelModel, workersView } from '../../src/shared/panel-model.ts';
import type { HostToView } from '../../src/shared/protocol.ts';
import type { RunReport, StatsSnapshot, WorkerLive, WorkerSummary } from '../../src/shared/report.ts';
import { describeLostWorker, describeWorkerEnd, describeWorkers, formatCount, workerName } from '../../src/shared/workers.ts';
import { RUN_ID, RUN_START, shopReport, shopSnapshot } from '../fixtures/snapshots/shop-run.ts';

const runStarted: Extract<HostToView, { kind: 'run-started' }> = {
  kind: 'run-started', header: { runId: RUN_ID, scenario: 'shopper', file: 'examples/shop.load.ts', startedAt: RUN_START, targetUsers: 50, runTimeMs: 60_000, host: 'http://127.0.0.1:8080', otel: true, workers: 2 },
};

// The fixture's run (6112 requests, 50 users) split over two workers: 3000 + 3112, 25 users each.
const liveWorkers: WorkerLive[] = [
  { index: 0, pid: 4101, users: 25, requests: 3000 },
  { index: 1, pid: 4102, users: 25, requests: 3112 },
];
const finishedWorkers: WorkerSummary[] = [
  { index: 0, pid: 4101, requests: 3000, cpuMs: 41_230, peakRssMb: 81.6 },
  { index: 1, pid: 4102, requests: 3112, cpuMs: 38_900, peakRssMb: 79.2 },
];
const liveSnapshot: StatsSnapshot = { ...shopSnapshot, workers: liveWorkers };
const workersReport: RunReport = { ...shopReport, workers: finishedWorkers, parentCpuMs: 2_400 };
const lostWorkers: WorkerSummary[] = [finishedWorkers[0]!, { index: 1, pid: 4102, requests: 5120, cpuMs: 20_000, lost: 'SIGKILL' }];

describe('the words for workers', () => {
  test('counts with thousands separators, whatever the locale', () => {
    const cases: [number, string][] = [[0, '0'], [7, '7'], [999, '999'], [1000, '1,000'], [5120, '5,120'], [1_234_567, '1,234,567'], [12.6, '13']];
    for (const [count, text] of cases) assert.equal(formatCount(count), text, String(count));
  });

  test('a worker is named 1-based with its pid; how it ended, from its lost value', () => {
    assert.equal(workerName({ index: 1, pid: 1234 }), 'worker 2 (pid 1234)');
    assert.equal(workerName({ index: 0 }), 'worker 1 (pid none)');
    const ends: [string, string][] = [
      ['SIGKILL', 'was killed by SIGKILL'], ['SIGSEGV', 'was killed by SIGSEGV'], ['exit code 3', 'exited with code 3'],
      ['could not be started (spawn EAGAIN)', 'could not be started (spawn EAGAIN)'],
    ];
    for (const [lost, said] of ends) assert.equal(describeWorkerEnd(lost), said, lost);
  });

  test('a lost worker in one sentence; the workers at a glance', () => {
    assert.equal(describeLostWorker({ index: 1, pid: 1234, requests: 5120, lost: 'SIGKILL' }), 'worker 2 (pid 1234) was killed by SIGKILL: its 5,120 requests are kept');
    assert.equal(describeLostWorker({ index: 0, pid: 77, requests: 1, lost: 'exit code 1' }), 'worker 1 (pid 77) exited with code 1: its 1 request is kept');
    assert.equal(describeWorkers(finishedWorkers), '2 workers');
    assert.equal(describeWorkers(lostWorkers), '2 workers, 1 lost');
    assert.equal(describeWorkers([], 4), '4 workers');
  });
});

describe('the panel\'s workers strip', () => {
  test('before the first snapshot: how many, no numbers yet; a one-process run has no strip', () => {
    assert.deepEqual(workersView({ workers: 2 }, undefined, undefined), { title: '2 workers', lost: 0, workers: [] });
    assert.equal(workersView({}, shopSnapshot, undefined), undefined);
    assert.equal(workersView({ workers: 1 }, undefined, undefined), undefined);
    assert.equal(panelModel(applyHostMessage(emptyPanelState(), { ...runStarted, header: { ...runStarted.header, workers: undefined } } as HostToView))!.workers, undefined);
  });

  test('live: each worker\'s users and requests, which add up to the panel\'s total', () => {
    const state = applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'stats', snapshot: liveSnapshot });
    const model = panelModel(state)!;
    assert.deepEqual(model.workers, {
      title: '2 workers', lost: 0, workers: [
        { key: '0', name: 'worker 1 (pid 4101)', requests: 3000, text: 'worker 1 (pid 4101): 25 users · 3,000 requests', lost: false },
        { key: '1', name: 'worker 2 (pid 4102)', requests: 3112, text: 'worker 2 (pid 4102): 25 users · 3,112 requests', lost: false },
      ],
    });
    const total = model.table.aggregate.cells.requests.text;
    assert.equal(model.workers!.workers.reduce((sum, w) => sum + w.requests, 0), Number(total));
  });

  test('live: a lost worker at once, in the sentence the terminal says, its requests still counted', () => {
    const snapshot: StatsSnapshot = { ...liveSnapshot, users: 25, workers: [liveWorkers[0]!, { index: 1, pid: 4102, users: 0, requests: 3112, lost: 'SIGKILL' }] };
    const model = panelModel(applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'stats', snapshot }))!;
    assert.equal(model.workers!.title, '2 workers, 1 lost');
    assert.equal(model.workers!.lost, 1);
    assert.deepEqual(model.workers!.workers.map(w => [w.text, w.lost]), [
      ['worker 1 (pid 4101): 25 users · 3,000 requests', false],
      ['worker 2 (pid 4102) was killed by SIGKILL: its 3,112 requests are kept', true],
    ]);
  });

  test('after the run, and for a past run opened from history: requests, CPU and peak memory per worker from the report', () => {
    const live = applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'stats', snapshot: liveSnapshot });
    const finished = panelModel(applyHostMessage(live, { kind: 'finished', report: workersReport, exitCode: 0 }))!;
    const texts = ['worker 1 (pid 4101): 3,000 requests · CPU 41.2 s · peak 82 MB', 'worker 2 (pid 4102): 3,112 requests · CPU 38.9 s · peak 79 MB'];
    assert.deepEqual(finished.workers!.workers.map(w => w.text), texts);
    // A past run whose header has no count (a report saved before RunReport.header), then the report:
    // the strip comes from the report alone.
    const past = applyHostMessage(applyHostMessage(emptyPanelState(), { ...runStarted, header: { ...runStarted.header, workers: undefined } } as HostToView), { kind: 'finished', report: workersReport, exitCode: 0 });
    assert.deepEqual(panelModel(past)!.workers!.workers.map(w => w.text), texts);
    const lost = panelModel(applyHostMessage(live, { kind: 'finished', report: { ...workersReport, workers: lostWorkers }, exitCode: 0 }))!;
    assert.deepEqual(lost.workers!.workers.map(w => w.text), [texts[0], 'worker 2 (pid 4102) was killed by SIGKILL: its 5,120 requests are kept']);
  });
});

describe('the HTML report and the terminal', () => {
  /** The Workers table's rows as cell texts (tags stripped). */
  const workersRows = (page: string) => {
    const table = /<table class="workers">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row]) => [...row!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(([, cell]) => cell!.replace(/<[^>]+>/g, '').trim()));
  };

  test('the report lists each worker: pid, requests, CPU, peak RSS, how it ended; the total is the run\'s', () => {
    const page = renderHtmlReport({ ...workersReport, workers: lostWorkers });
    assert.deepEqual(workersRows(page), [
      ['Worker', 'PID', 'Requests', 'CPU', 'Peak RSS', 'Ended'],
      ['1', '4101', '3,000', '41.2 s', '82 MB', 'reported'],
      ['2', '4102', '5,120', '20.0 s', '–', 'worker 2 (pid 4102) was killed by SIGKILL: its 5,120 requests are kept'],
      ['2 workers, 1 lost', '8,120', ''],
    ]);
    assert.match(page, /<tr class="lost">.*<td class="fails">worker 2 \(pid 4102\) was killed by SIGKILL/);
    assert.match(page, /The parent process \(merging their stats, the outputs\) used 2\.4 s\./);
    assert.match(page, /<p class="meta">.* · 2 workers, 1 lost<\/p>/);
    // The same words as the panel's after the run.
    assert.deepEqual(workersRows(renderHtmlReport(workersReport)).slice(1, 3).map(r => r[2]), ['3,000', '3,112']);
    assert.equal(renderHtmlReport(shopReport).includes('<table class="workers">'), false, 'a one-process run has no Workers table');
  });

  test('the terminal summary: the workers at a glance in the headline, a lost one in the same sentence', () => {
    const lines = formatSummary({ ...workersReport, workers: lostWorkers }, { width: 120 }).split('\n');
    assert.match(lines[0]!, / · 2 workers, 1 lost$/);
    assert.ok(lines.includes('worker 2 (pid 4102) was killed by SIGKILL: its 5,120 requests are kept'), lines.slice(0, 4).join('\n'));
    assert.match(formatSummary(workersReport, { width: 120 }).split('\n')[0]!, / · 2 workers$/);
  });
});
