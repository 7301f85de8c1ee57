import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunHeader } from '../../src/shared/run.ts';
import type { RunReport, StatsSnapshot } from '../../src/shared/report.ts';
import {
  cellWidth, formatBytes, formatClock, formatMs, formatPercent, formatRate, formatThresholdActual, truncateCells,
} from '../../src/engine/outputs/format.ts';
import { buildTraceLink } from '../../src/shared/trace-link.ts';
import { formatStatsTable, formatSummary, TerminalOutput } from '../../src/engine/outputs/terminal.ts';
import { generatorWarning } from '../../src/shared/report.ts';
import { NdjsonOutput, type NdjsonLine } from '../../src/engine/outputs/ndjson.ts';
import { JsonReportOutput } from '../../src/engine/outputs/report.ts';
import { HtmlReportOutput, renderHtmlReport } from '../../src/engine/outputs/report-html.ts';
import {
  RUN_ID, RUN_START, TRACE, hostileReport, product, shopReport, shopSnapshot, timeline,
} from '../fixtures/snapshots/shop-run.ts';

const JAEGER = 'http://127.0.0.1:16686/trace/{traceId}';
const ESC = '\u001b';

const runHeader: RunHeader = {
  runId: RUN_ID, scenario: 'shopper', file: 'examples/shop.load.ts', startedAt: RUN_START,
  targetUsers: 50, runTimeMs: 60_000, host: 'http://127.0.0.1:8080', otel: true,
};

/** The stream under the output: collects what is written, and looks like a terminal when asked to. */
class FakeTerminal extends Writable {
  readonly writes: string[] = [];
  isTTY: boolean;
  columns: number | undefined;
  rows: number | undefined;
  constructor(tty: { isTTY: boolean; columns?: number; rows?: number }) {
    super({ decodeStrings: false });
    this.isTTY = tty.isTTY;
    this.columns = tty.columns;
    this.rows = tty.rows;
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(String(chunk));
    callback();
  }
}

function snapshotAt(elapsedMs: number): StatsSnapshot {
  return { ...shopSnapshot, elapsedMs };
}

describe('number formatting', () => {
  const cases: Array<[string, (n: number) => string, number, string]> = [
    ['formatMs', formatMs, 0, '0.0 ms'],
    ['formatMs', formatMs, 0.44, '0.4 ms'],
    ['formatMs', formatMs, 12.34, '12.3 ms'],
    ['formatMs', formatMs, 99.96, '100 ms'],
    ['formatMs', formatMs, 312.4, '312 ms'],
    ['formatMs', formatMs, 999.7, '1.0 s'],
    ['formatMs', formatMs, 1234, '1.2 s'],
    ['formatMs', formatMs, 75_300, '75.3 s'],
    ['formatMs', formatMs, 123_456, '123 s'],
    ['formatMs', formatMs, Number.NaN, '-'],
    ['formatBytes', formatBytes, 0, '0 B'],
    ['formatBytes', formatBytes, 950, '950 B'],
    ['formatBytes', formatBytes, 1023.6, '1.0 KB'],
    ['formatBytes', formatBytes, 1229, '1.2 KB'],
    ['formatBytes', formatBytes, 12_800, '12.5 KB'],
    ['formatBytes', formatBytes, 250_880, '245 KB'],
    ['formatBytes', formatBytes, 1023.9 * 1024, '1.0 MB'],
    ['formatBytes', formatBytes, 3.4 * 1024 * 1024, '3.4 MB'],
    ['formatRate', formatRate, 0, '0'],
    ['formatRate', formatRate, 0.25, '0.3'],
    ['formatRate', formatRate, 12.34, '12.3'],
    ['formatRate', formatRate, 99.96, '100'],
    ['formatRate', formatRate, 1234.5, '1235'],
    ['formatClock', formatClock, 0, '0:00'],
    ['formatClock', formatClock, 7_900, '0:07'],
    ['formatClock', formatClock, 750_000, '12:30'],
    ['formatClock', formatClock, 3_723_000, '1:02:03'],
  ];
  for (const [name, format, input, expected] of cases) {
    test(`${name}(${input}) is '${expected}'`, () => assert.equal(format(input), expected));
  }

  const percents: Array<[number, number, string]> = [
    [0, 10, '0%'], [1, 0, '0%'], [1, 2000, '<0.1%'], [29, 6112, '0.5%'], [17, 604, '2.8%'], [9999, 10_000, '>99.9%'], [10, 10, '100%'],
  ];
  for (const [part, whole, expected] of percents) {
    test(`formatPercent(${part}, ${whole}) is '${expected}'`, () => assert.equal(formatPercent(part, whole), expected));
  }

  // Results carry their unit; a report written before they did falls back to the expression's.
  const thresholds: Array<[string, '' | 'ms' | 's' | '%' | undefined, number, string]> = [
    ['p95 < 300ms', 'ms', 186.4, '186 ms'],
    ['p99{name:/checkout/confirm} < 1s', 's', 1.21, '1.21 s'],
    ['p99{name:/checkout/confirm} < 1s', undefined, 1.21, '1.21 s'],
    ['errorRate < 1%', '%', 0.4745, '0.47%'],
    ['requests > 100', '', 123, '123'],
    ['errorRate < 0.5', '%', 0.25, '0.25%'],
    ['errorRate < 0.5', undefined, 0.25, '0.25%'],
    ['p95{name:/rate-limit} < 300ms', 'ms', 12.5, '12.5 ms'],
  ];
  for (const [expression, unit, actual, expected] of thresholds) {
    test(`threshold '${expression}' (unit ${unit ?? 'unknown'}) reads its actual ${actual} as '${expected}'`, () =>
      assert.equal(formatThresholdActual({ expression, actual, ...(unit === undefined ? {} : { unit }) }), expected));
  }

  const widths: Array<[string, number, number, string]> = [
    ['/cart/add', 9, 20, '/cart/add'],
    ['/product/{product_id}', 21, 10, '/product/…'],
    ['/商品/詳細', 10, 7, '/商品/…'],
    // Emoji are two cells, a skin-tone modifier is part of its emoji (one glyph, two cells), and a cut
    // never separates them.
    ['🚀 launch', 9, 20, '🚀 launch'],
    ['✅ checkout', 11, 5, '✅ c…'],
    ['👍🏽 like', 7, 3, '👍🏽…'],
    ['👍🏽👍🏽👍🏽', 6, 5, '👍🏽👍🏽…'],
    ['👍🏽👍🏽👍🏽', 6, 4, '👍🏽…'],
  ];
  for (const [text, cells, limit, truncated] of widths) {
    test(`'${text}' is ${cells} cells wide and cut to ${limit} reads '${truncated}'`, () => {
      assert.equal(cellWidth(text), cells);
      assert.equal(truncateCells(text, limit), truncated);
      assert.ok(cellWidth(truncateCells(text, limit)) <= limit);
    });
  }
});

describe('buildTraceLink', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const cases: Array<[string, Parameters<typeof buildTraceLink>[1], string]> = [
    [JAEGER, { traceId }, `http://127.0.0.1:16686/trace/${traceId}`],
    ['https://grafana.example/explore?traceId={traceId}&from={startMs}&to={endMs}', { traceId, startMs: 1_749_720_540_000.4, endMs: 1_749_720_720_000 },
      `https://grafana.example/explore?traceId=${traceId}&from=1749720540000&to=1749720720000`],
    ['https://ui.example/t/{traceId}/s/{spanId}', { traceId, spanId: '00f067aa0ba902b7' }, `https://ui.example/t/${traceId}/s/00f067aa0ba902b7`],
    ['https://ui.example/t/{traceId}/s/{spanId}?at={startMs}', { traceId }, `https://ui.example/t/${traceId}/s/?at=`],
    ['https://ui.example/{traceId}?again={traceId}&keep={other}', { traceId }, `https://ui.example/${traceId}?again=${traceId}&keep={other}`],
    [JAEGER, { traceId: 'x"/><b>&y' }, 'http://127.0.0.1:16686/trace/x%22%2F%3E%3Cb%3E%26y'],
  ];
  for (const [template, target, expected] of cases) {
    test(`${template} → ${expected}`, () => assert.equal(buildTraceLink(template, target), expected));
  }
});

describe('formatStatsTable', () => {
  const rows = [...shopSnapshot.requests, shopSnapshot.totals];

  test('lays out the shared model\'s columns at 140 cells, dropping only Status and Min', () => {
    assert.equal(formatStatsTable(rows, 140), [
      'Type  Name                   # reqs    # fails   Median   90%ile   95%ile   99%ile  Average     Max  Avg size  Current RPS     TTFB  Connect',
      '----  ---------------------  ------  ---------  -------  -------  -------  -------  -------  ------  --------  -----------  -------  -------',
      'POST  /authenticate             612     0 (0%)  18.0 ms  31.0 ms  38.0 ms  64.0 ms  21.4 ms  142 ms     187 B         11.2  17.2 ms   2.9 ms',
      'GET   /product/{product_id}    2448     0 (0%)   8.4 ms  19.0 ms  26.0 ms  71.0 ms  11.9 ms  318 ms    1.8 KB         44.6   7.6 ms        –',
      'POST  /cart/add                2448  12 (0.5%)  11.6 ms  27.0 ms  41.0 ms  96.0 ms  15.8 ms  402 ms      96 B         44.4  11.1 ms        –',
      'POST  /checkout/confirm         604  17 (2.8%)   142 ms   388 ms   512 ms    1.2 s   187 ms   5.0 s     412 B         11.0   182 ms        –',
      '----  ---------------------  ------  ---------  -------  -------  -------  -------  -------  ------  --------  -----------  -------  -------',
      '      Aggregated               6112  29 (0.5%)  12.0 ms  48.0 ms   186 ms   690 ms  31.6 ms   5.0 s     855 B          111  28.4 ms   2.9 ms',
    ].join('\n'));
  });

  test('shows every column of the model on a wide enough terminal', () => {
    const header = formatStatsTable(rows, 400).split('\n')[0]!.trimEnd();
    assert.deepEqual(header.split(/\s{2,}/), ['Type', 'Name', '# reqs', '# fails', 'Median', '90%ile', '95%ile', '99%ile', 'Average', 'Min', 'Max', 'Avg size', 'Current RPS', 'TTFB', 'Connect', 'Status']);
  });

  test('drops the least useful columns at 80 columns, keeping names whole and the tail percentiles', () => {
    const lines = formatStatsTable(rows, 80).split('\n');
    assert.equal(lines[0], 'Type  Name                   # reqs    # fails   95%ile   99%ile  Current RPS');
    assert.equal(lines[3], 'GET   /product/{product_id}    2448     0 (0%)  26.0 ms  71.0 ms         44.6');
  });

  const longName = { ...product, name: '/api/v2/catalogue/products/{product_id}/reviews?sort=newest&limit=20' };
  const narrow: Array<[number, string, string]> = [
    [100, 'Type  Name                # reqs    # fails   Median   90%ile   95%ile   99%ile     Max  Current RPS', 'GET   /api/v2/catalogue…    2448     0 (0%)   8.4 ms  19.0 ms  26.0 ms  71.0 ms  318 ms         44.6'],
    [60, 'Type  Name           # reqs    # fails   99%ile  Current RPS', 'GET   /api/v2/cata…    2448     0 (0%)  71.0 ms         44.6'],
    [40, 'Type  Name        # reqs    # fails   9…', 'GET   /api/v2/c…    2448     0 (0%)  71…'],
  ];
  for (const [width, header, firstRow] of narrow) {
    test(`truncates the name column and fits every line in ${width} cells`, () => {
      const lines = formatStatsTable([longName, ...rows], width).split('\n');
      assert.equal(lines[0], header);
      assert.equal(lines[2], firstRow);
      for (const line of lines) assert.ok(cellWidth(line) <= width, `${cellWidth(line)} > ${width}: ${line}`);
    });
  }

  test('keeps its columns aligned with emoji and CJK names (🚀, ✅, 👍🏽, 商品)', () => {
    const names = ['/🚀/launch', '/✅/checkout', '/👍🏽/like', '/商品/詳細', '/plain'];
    const wide = names.map((name, i) => ({ ...product, name, count: 100 + i }));
    const lines = formatStatsTable([...wide, shopSnapshot.totals], 140).split('\n');
    // Type, Name and # reqs as a terminal shows them: each wide glyph takes two cells, so its row has
    // one space fewer than the plain name's (🚀 and ✅ are 2 cells, 👍🏽 is 2, 商品 and 詳細 are 4 each).
    assert.equal(lines[0]!.slice(0, lines[0]!.indexOf('# fails')).trimEnd(), 'Type  Name          # reqs');
    assert.ok(lines[1]!.startsWith('----  ------------  ------  '), lines[1]);
    assert.deepEqual(lines.slice(2, 7).map((line) => line.slice(0, line.indexOf('0 (0%)')).trimEnd()), [
      'GET   /🚀/launch       100',
      'GET   /✅/checkout     101',
      'GET   /👍🏽/like         102',
      'GET   /商品/詳細       103',
      'GET   /plain           104',
    ]);
    // Every line is as wide on screen as the header: each cell was padded by its display width.
    const header = cellWidth(lines[0]!);
    assert.deepEqual(lines.map((line) => cellWidth(line)), lines.map(() => header));
    // The requests column ends at the same screen column on every row.
    const countEnd = cellWidth(lines[0]!.slice(0, lines[0]!.indexOf('# reqs') + '# reqs'.length));
    for (const [i, line] of lines.slice(2, 7).entries()) {
      const count = String(100 + i);
      assert.equal(cellWidth(line.slice(0, line.indexOf(` ${count} `) + 1 + count.length)), countEnd, line);
    }
  });

  test('shows at most maxRows rows and says how many more there are', () => {
    const lines = formatStatsTable(rows, 140, { maxRows: 2 }).split('\n');
    assert.deepEqual(lines.slice(2, 4).map((line) => line.trimEnd()), [
      'POST  /authenticate     612     0 (0%)  18.0 ms  31.0 ms  38.0 ms  64.0 ms  21.4 ms  6.1 ms  142 ms     187 B         11.2  17.2 ms   2.9 ms',
      '      … 3 more rows (all in the final table)',
    ]);
    assert.equal(lines.length, 6);
  });

  test('escapes control characters in names so a row stays on one line', () => {
    const table = formatStatsTable([{ ...product, name: '/evil\n\u001b[2J' }], 120);
    assert.equal(table.split('\n').length, 3);
    assert.match(table, /\/evil\\n\\x1b\[2J/);
  });

  test('colors failures red and the aggregate bold when color is on, and nothing when off', () => {
    const colored = formatStatsTable(rows, 140, { color: true }).split('\n');
    assert.ok(colored[4]?.includes(`${ESC}[31m12 (0.5%)${ESC}[39m`));
    assert.ok(colored[7]?.startsWith(`${ESC}[1m`));
    assert.ok(!formatStatsTable(rows, 140).includes(ESC));
  });
});

describe('formatSummary', () => {
  test('prints the final table, failures with trace links, slowest, errors, thresholds, telemetry and reports', () => {
    const summary = formatSummary(shopReport, { width: 150, maxListed: 2, traceLink: JAEGER, reportFiles: ['reports/shop.html', 'reports/shop.json'] });
    assert.equal(summary, [
      'shopper finished after 1:00 (run time reached) · examples/shop.load.ts',
      '6112 requests · 29 failures (0.5%) · 102 RPS · p50 12.0 ms · p95 186 ms · p99 690 ms',
      '',
      'Type  Name                   # reqs    # fails   Median   90%ile   95%ile   99%ile  Average      Min     Max  Avg size   RPS     TTFB  Connect',
      '----  ---------------------  ------  ---------  -------  -------  -------  -------  -------  -------  ------  --------  ----  -------  -------',
      'POST  /authenticate             612     0 (0%)  18.0 ms  31.0 ms  38.0 ms  64.0 ms  21.4 ms   6.1 ms  142 ms     187 B  10.2  17.2 ms   2.9 ms',
      'GET   /product/{product_id}    2448     0 (0%)   8.4 ms  19.0 ms  26.0 ms  71.0 ms  11.9 ms   2.3 ms  318 ms    1.8 KB  40.8   7.6 ms        –',
      'POST  /cart/add                2448  12 (0.5%)  11.6 ms  27.0 ms  41.0 ms  96.0 ms  15.8 ms   3.4 ms  402 ms      96 B  40.8  11.1 ms        –',
      'POST  /checkout/confirm         604  17 (2.8%)   142 ms   388 ms   512 ms    1.2 s   187 ms  41.0 ms   5.0 s     412 B  10.1   182 ms        –',
      '----  ---------------------  ------  ---------  -------  -------  -------  -------  -------  -------  ------  --------  ----  -------  -------',
      '      Aggregated               6112  29 (0.5%)  12.0 ms  48.0 ms   186 ms   690 ms  31.6 ms   2.3 ms   5.0 s     836 B   102  27.2 ms   2.9 ms',
      '',
      'Failures (top 2 of 3 failure kinds)',
      '  14  POST /checkout/confirm  HTTP 500 Internal Server Error',
      `      http://127.0.0.1:16686/trace/${TRACE.checkout500c}`,
      `      http://127.0.0.1:16686/trace/${TRACE.checkout500b}`,
      `      http://127.0.0.1:16686/trace/${TRACE.checkout500a}`,
      '  12  POST /cart/add  HTTP 503 Service Unavailable',
      `      http://127.0.0.1:16686/trace/${TRACE.cart503c}`,
      `      http://127.0.0.1:16686/trace/${TRACE.cart503b}`,
      `      http://127.0.0.1:16686/trace/${TRACE.cart503a}`,
      '',
      'Slowest requests (top 2 of 5 requests)',
      `  5.0 s  POST /checkout/confirm  no response  http://127.0.0.1:16686/trace/${TRACE.timeoutB}`,
      `  1.9 s  POST /checkout/confirm  200  http://127.0.0.1:16686/trace/${TRACE.slow1}`,
      '',
      'Iteration errors',
      '  14  SyntaxError: Unexpected token \'I\', "Internal S"... is not valid JSON (POST /checkout/confirm)',
      '      at examples/shop.load.ts:14:71',
      '',
      'Thresholds (1 breached)',
      '  ✓ p95 < 300ms  actual 186 ms',
      '  ✓ errorRate < 1%  actual 0.47%',
      '  ✗ p99{name:/checkout/confirm} < 1s  actual 1.21 s',
      '',
      'Telemetry  6162 spans exported · 0 dropped · 0 export failures',
      '',
      'Reports',
      '  reports/shop.html',
      '  reports/shop.json',
      '',
    ].join('\n'));
  });

  test('prints bare trace ids without a template, and only the sections that have content', () => {
    const quiet: RunReport = { ...shopReport, failures: shopReport.failures.slice(2), slowest: [], iterationErrors: [], thresholds: [], telemetry: undefined };
    const lines = formatSummary(quiet, { width: 140 }).split('\n');
    assert.deepEqual(lines.slice(11), [
      '',
      'Failures',
      '  3  POST /checkout/confirm  timeout after 5.0 s',
      `     traces ${TRACE.timeoutC}, ${TRACE.timeoutB}, ${TRACE.timeoutA}`,
      '',
    ]);
  });

  test('wraps bare trace ids to the width, aligned under the first', () => {
    const lines = formatSummary({ ...shopReport, failures: shopReport.failures.slice(2) }, { width: 80 }).split('\n');
    const at = lines.indexOf('Failures');
    assert.deepEqual(lines.slice(at + 2, at + 4), [
      `     traces ${TRACE.timeoutC}, ${TRACE.timeoutB},`,
      `            ${TRACE.timeoutA}`,
    ]);
  });

  test('fills a template\'s time range with the run, padded by a minute', () => {
    const summary = formatSummary(shopReport, { width: 140, traceLink: 'https://tempo.example/{traceId}?from={startMs}&to={endMs}' });
    assert.ok(summary.includes(`https://tempo.example/${TRACE.slow1}?from=${RUN_START - 60_000}&to=${RUN_START + 120_000}`));
  });

  test('uses OSC 8 hyperlinks with the trace id as text when asked', () => {
    const summary = formatSummary(shopReport, { width: 140, traceLink: JAEGER, hyperlinks: true });
    const url = `http://127.0.0.1:16686/trace/${TRACE.slow1}`;
    assert.ok(summary.includes(`${ESC}]8;;${url}${ESC}\\${TRACE.slow1}${ESC}]8;;${ESC}\\`));
    assert.ok(!summary.includes(`${ESC}[`), 'hyperlinks without color carry no SGR codes');
  });

  test('has no escape sequences at all when color and hyperlinks are off', () => {
    assert.ok(!formatSummary(hostileReport, { width: 120, traceLink: JAEGER }).includes(ESC));
  });
});

describe('TerminalOutput', () => {
  test('on a TTY redraws the live view in place, then replaces it with the summary', async () => {
    const terminal = new FakeTerminal({ isTTY: true, columns: 120, rows: 40 });
    const output = new TerminalOutput(terminal, { env: {} });
    output.start(runHeader);
    output.add(snapshotAt(41_000));
    output.add(snapshotAt(42_000));
    await output.stop(shopReport);

    assert.equal(terminal.writes.length, 4);
    const [startLine = '', firstFrame = '', secondFrame = '', summary = ''] = terminal.writes;
    assert.ok(startLine.includes('shopper (examples/shop.load.ts) → http://127.0.0.1:8080 · 50 users for 1:00 · OTel on'));
    // Header, blank line, table header, rule, 4 rows, rule, aggregate.
    const frameLines = 10;
    assert.equal(firstFrame.split('\n').length - 1, frameLines);
    assert.ok(firstFrame.startsWith(`${ESC}[?2026h${ESC}[1m`), 'the first frame draws below the start line without moving up');
    assert.ok(firstFrame.includes(`0:41 / 1:00`));
    assert.ok(secondFrame.startsWith(`${ESC}[?2026h${ESC}[${frameLines}A\r`), 'the next frame moves back over the previous one');
    assert.ok(secondFrame.includes(`0:42 / 1:00 · users 50/50 · RPS 111`));
    assert.equal(secondFrame.split(`${ESC}[K\n`).length - 1, frameLines, 'every line clears its own rest instead of the whole screen');
    assert.ok(secondFrame.endsWith(`${ESC}[J${ESC}[?2026l`));
    assert.ok(summary.startsWith(`${ESC}[${frameLines}A\r${ESC}[J\n`), 'the summary replaces the live view');
    assert.ok(summary.includes('Thresholds'));
  });

  test('on a TTY fits the frame to a narrow, short terminal', () => {
    const terminal = new FakeTerminal({ isTTY: true, columns: 60, rows: 10 });
    const output = new TerminalOutput(terminal, { color: false });
    output.start(runHeader);
    output.add(shopSnapshot);
    const frame = terminal.writes[1] ?? '';
    const visible = frame.replace(/\u001b\[[?\d;]*[A-Za-z]/g, '').split('\n').slice(0, -1);
    assert.equal(visible.length, 9, 'header, blank, 2 chrome lines, 2 rows + "more", rule, aggregate');
    for (const line of visible) assert.ok(cellWidth(line) <= 60, line);
    assert.equal(visible[6], '      … 2 more rows (all in the final table)');
  });

  test('respects NO_COLOR on a TTY: cursor movement but no colors', () => {
    const terminal = new FakeTerminal({ isTTY: true, columns: 120, rows: 40 });
    const output = new TerminalOutput(terminal, { env: { NO_COLOR: '1' } });
    output.start(runHeader);
    output.add(shopSnapshot);
    output.add(shopSnapshot);
    const written = terminal.writes.join('');
    assert.ok(written.includes(`${ESC}[10A`));
    assert.doesNotMatch(written, /\u001b\[\d+(;\d+)*m/);
  });

  test('on a pipe writes no escape codes and a progress line every 10 s of run time', async () => {
    const log = new FakeTerminal({ isTTY: false });
    const output = new TerminalOutput(log, { traceLink: JAEGER, reportFiles: ['reports/shop.html'] });
    output.start(runHeader);
    for (let second = 1; second <= 25; second++) output.add(snapshotAt(second * 1000));
    await output.stop(shopReport);

    assert.equal(log.writes.length, 4);
    assert.ok(!log.writes.join('').includes(ESC));
    assert.equal(log.writes[1], `[0:10/1:00] shopper running · users 50/50 · 6112 reqs · 29 fails (0.5%) · RPS 111 · p95 ${formatMs(shopSnapshot.current.p95)}\n`);
    assert.ok(log.writes[2]?.startsWith('[0:20/1:00] '));
    assert.ok(log.writes[3]?.includes(`      http://127.0.0.1:16686/trace/${TRACE.checkout500c}\n`), 'plain URLs, not OSC 8');
    assert.ok(log.writes[3]?.endsWith('Reports\n  reports/shop.html\n'));
  });
});

describe('NdjsonOutput', () => {
  test('writes one line per snapshot and the report last; the lines parse back to the same objects', async () => {
    const chunks: string[] = [];
    // A tiny buffer makes writes report backpressure; the output must still deliver every line in order.
    const sink = new Writable({
      highWaterMark: 64,
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        setImmediate(callback);
      },
    });
    const output = new NdjsonOutput(sink, { end: true });
    output.start(runHeader);
    const snapshots = [snapshotAt(1000), snapshotAt(2000)];
    for (const snapshot of snapshots) output.add(snapshot);
    await output.stop(shopReport);

    assert.ok(sink.writableFinished);
    const text = chunks.join('');
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as NdjsonLine);
    assert.deepEqual(lines, [
      { type: 'snapshot', snapshot: snapshots[0] },
      { type: 'snapshot', snapshot: snapshots[1] },
      { type: 'report', report: shopReport },
    ]);
  });

  test('leaves a shared stream open by default', async () => {
    const sink = new FakeTerminal({ isTTY: false });
    const output = new NdjsonOutput(sink);
    output.start(runHeader);
    await output.stop(shopReport);
    assert.equal(sink.writableEnded, false);
    assert.equal(sink.writes.length, 1);
  });

  test('a failing stream neither crashes the run nor hides the error: stop rejects with it', async () => {
    const broken = new Writable({ write(_chunk, _encoding, callback) { callback(new Error('EPIPE: reader went away')); } });
    const output = new NdjsonOutput(broken);
    output.start(runHeader);
    output.add(shopSnapshot);
    await new Promise((resolve) => setImmediate(resolve));
    output.add(shopSnapshot);
    await assert.rejects(output.stop(shopReport), /EPIPE: reader went away/);
  });
});

describe('report files', () => {
  test('the JSON report round-trips, in a directory it creates, with no temporary file left', async () => {
    const root = await mkdtemp(join(tmpdir(), 'loadlens-json-'));
    try {
      const path = join(root, 'reports', 'nightly', 'shop.json');
      const output = new JsonReportOutput(path);
      output.start(runHeader);
      output.add(shopSnapshot);
      await output.stop(shopReport);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), shopReport);
      assert.deepEqual(await readdir(join(root, 'reports', 'nightly')), ['shop.json']);

      await writeFile(path, 'stale');
      await new JsonReportOutput(path).stop(hostileReport);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), hostileReport);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('the HTML report is written atomically to a new directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'loadlens-html-'));
    try {
      const path = join(root, 'out', 'shop.html');
      await new HtmlReportOutput(path, { traceLink: JAEGER }).stop(shopReport);
      assert.equal(await readFile(path, 'utf8'), renderHtmlReport(shopReport, { traceLink: JAEGER }));
      assert.deepEqual(await readdir(join(root, 'out')), ['shop.html']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(hostileReport, { traceLink: JAEGER });

  test('escapes every request name, error and the scenario', () => {
    const text = html.replaceAll('<wbr>', '');
    for (const row of hostileReport.requests) {
      const escaped = row.name.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
      assert.ok(text.includes(`<td class="name">${escaped}</td>`), row.name);
    }
    assert.ok(text.includes('/search?q=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;sort=&#39;name&#39;'));
    assert.ok(text.includes('Unexpected token &lt; in JSON: &lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(text.includes('Error: &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;owned&lt;/h1&gt;'));
    assert.ok(text.includes('<h1>shop &amp; &quot;friends&quot; '));
    assert.doesNotMatch(html, /<script|<img|<h1>owned/i);
  });

  test('draws three charts, each polyline with one point per timeline second', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 3);
    const seriesPerChart = svgs.map((svg) => [...svg.matchAll(/<polyline class="series ([\w-]+)" points="([^"]*)"/g)].map((m) => [m[1], (m[2] ?? '').trim().split(/\s+/).length]));
    assert.deepEqual(seriesPerChart, [
      [['series-rps', timeline.length], ['series-failures', timeline.length]],
      [['series-p50', timeline.length], ['series-p95', timeline.length], ['series-p99', timeline.length]],
      [['series-users', timeline.length]],
    ]);
  });

  test('refers to nothing outside the page but the trace links', () => {
    const traceIds = new Set([...hostileReport.failures.flatMap((f) => f.traceIds), ...hostileReport.slowest.flatMap((s) => (s.traceId ? [s.traceId] : []))]);
    const urls = html.match(/https?:\/\/[^"'\s<>]*/g) ?? [];
    assert.equal(urls.length, hostileReport.failures.reduce((n, f) => n + f.traceIds.length, 0) + hostileReport.slowest.length);
    for (const url of urls) {
      const traceId = url.replace('http://127.0.0.1:16686/trace/', '');
      assert.ok(traceIds.has(traceId), url);
      assert.ok(html.includes(`href="${url}"`));
    }
    assert.doesNotMatch(html, /<link|@import|url\(|\ssrc\s*=\s*["']/i);
  });

  test('shows trace ids as plain text without a template, and never links an unsafe one', () => {
    const plain = renderHtmlReport(shopReport);
    assert.doesNotMatch(plain, /<a |https?:/);
    assert.ok(plain.includes(`<code class="trace">${TRACE.slow1}</code>`));
    const unsafe = renderHtmlReport(shopReport, { traceLink: 'javascript:alert(1)//{traceId}' });
    assert.doesNotMatch(unsafe, /<a |javascript:/);
  });

  // Browsers drop tabs and newlines anywhere in an href and leading control characters and spaces, so
  // each of these would run script if it reached an <a href>.
  for (const template of ['java\tscript:alert(1)//{traceId}', 'java\nscript:alert(1)//{traceId}', 'java\rscript:alert(1)//{traceId}', '\u0000javascript:alert(1)//{traceId}',
    ' \u0001\u001fjavascript:alert(1)//{traceId}', 'JAVASCRIPT:alert(1)//{traceId}', 'data:text/html,{traceId}', 'vbscript:{traceId}', 'file:///tmp/{traceId}']) {
    test(`never links the template ${JSON.stringify(template)}`, () => {
      const page = renderHtmlReport(shopReport, { traceLink: template });
      assert.doesNotMatch(page, /<a /);
      assert.ok(page.includes(`<code class="trace">${TRACE.slow1}</code>`));
    });
  }

  test('links every trace id with the run id and the service filled in', () => {
    const page = renderHtmlReport(shopReport, { traceLink: 'https://traces.example/{traceId}?run={runId}&service={service}', service: 'shop-load' });
    assert.ok(page.includes(`href="https://traces.example/${TRACE.slow1}?run=${shopReport.header.runId}&amp;service=shop-load"`));
  });

  test('follows the reader\'s light or dark theme', () => {
    assert.ok(html.includes('<meta name="color-scheme" content="light dark">'));
    assert.ok(html.includes('@media (prefers-color-scheme: dark)'));
  });

  test('copes with a run that recorded nothing', () => {
    const empty: RunReport = {
      ...shopReport, requests: [], failures: [], slowest: [], iterationErrors: [], thresholds: [], timeline: [], telemetry: undefined,
      totals: { requests: 0, failures: 0, rps: 0, p50: 0, p90: 0, p95: 0, p99: 0, avg: 0, min: 0, max: 0 },
    };
    const page = renderHtmlReport(empty);
    assert.equal((page.match(/<polyline class="series [\w-]+" points=""/g) ?? []).length, 6);
    assert.equal((page.match(/>no data</g) ?? []).length, 3);
    assert.ok(page.includes('No failures.'));
  });
});


test('summary: a warning when the load generator saturated its CPU core', () => {
  const cases: Array<[number | undefined, number, string | undefined]> = [
    [undefined, 10_000, undefined],
    [8_000, 10_000, undefined],
    [9_600, 10_000, '⚠ the load generator used 96% of a CPU core: its own limits may show in these numbers (lower the users or run more generators)'],
    // A short run's CPU is the engine starting, not the load.
    [440, 400, undefined],
    [4_900, 4_999, undefined],
  ];
  for (const [cpuMs, durationMs, expected] of cases) assert.equal(generatorWarning({ cpuMs, durationMs }), expected);
});
