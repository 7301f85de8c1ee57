// Fault suite, issue 20 items 14 and 16: numbers that say what happened. A status that arrived is
// kept when the connection then fails; a request that got no byte has no time to first byte; a
// streamed 200 cut by its timeout is a 200 that timed out, not "no response".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, failuresByError, readReport, reportPath, scenarioFile, target } from './support.ts';

test('faults: a 413 answered early (the server closes while the body is still being sent) is recorded as HTTP 413, not EPIPE', async () => {
  const early = await target((req, res) => {
    // Answer at once, before reading the 8 MB body; close the connection once the answer has had time to arrive.
    res.writeHead(413, { connection: 'close' });
    res.write('too large');
    setTimeout(() => req.socket.destroy(), 100);
  });
  try {
    const file = scenarioFile('early-413', `
import { scenario } from 'loadlens';
const body = new Uint8Array(8 * 1024 * 1024);
export const s = scenario({ host: '${early.url}', users: 1, runTime: '30s' }, async ({ http }) => {
  await http.post('/upload', { body });
});
`);
    const report = reportPath('early-413');
    const { code, stderr } = await cli([file, '--headless', '--iterations', '20', '--report', report], { limitMs: 60_000 }).ended;
    assert.equal(code, 0, stderr);
    const result = readReport(report);
    // Before the fix: each was 'EPIPE' or 'ECONNRESET' with status 0, though the 413 had arrived.
    assert.deepEqual(failuresByError(result), { 'HTTP 413': 20 });
    assert.deepEqual(result.requests.find(r => r.name === '/upload')?.statusClasses, { '4xx': 20 });
  } finally {
    await early.close();
  }
});

test('faults: no byte, no TTFB (a refused or unanswered request has TTFB 0, not its duration); a streamed 200 cut by its timeout is listed as 200', async () => {
  const site = await target((req, res) => {
    if (req.url === '/silent') return; // never answers
    // Headers at once, then a body that never ends.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first chunk');
  });
  try {
    const file = scenarioFile('ttfb', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${site.url}', users: 1, runTime: '30s', timeout: '500ms' }, async ({ http }) => {
  await http.get('/silent');
  await http.get('/stream');
});
`);
    const report = reportPath('ttfb');
    const { code, stderr, stdout } = await cli([file, '--headless', '--iterations', '2', '--report', report], { limitMs: 60_000 }).ended;
    assert.equal(code, 0, stderr);
    const result = readReport(report);
    const silent = result.requests.find(r => r.name === '/silent')!;
    const stream = result.requests.find(r => r.name === '/stream')!;
    assert.equal(silent.count, 2);
    // Before the fix: TTFB = the whole 500 ms.
    assert.equal(silent.ttfbAvg, 0, JSON.stringify(silent));
    assert.deepEqual(silent.statusClasses, { error: 2 });
    assert.ok(stream.ttfbAvg > 0 && stream.ttfbAvg < 300, JSON.stringify(stream));
    assert.deepEqual(stream.statusClasses, { '2xx': 2 });
    assert.deepEqual(failuresByError(result), { timeout: 4 });
    const slowStream = result.slowest.filter(s => s.name === '/stream');
    assert.ok(slowStream.length > 0 && slowStream.every(s => s.status === 200), JSON.stringify(result.slowest));
    assert.doesNotMatch(stdout.split('\n').filter(l => l.includes('/stream')).join('\n'), /no response/);
  } finally {
    await site.close();
  }
});

test('faults: a one-iteration run (-i 1) is not announced "for 24:00:00", and its start-up CPU is no "% of a CPU core" warning', async () => {
  const ok = await target((_req, res) => res.end('ok'));
  try {
    const file = scenarioFile('one-iteration', `
import { scenario } from 'loadlens';
export const s = scenario({ host: '${ok.url}', users: 1, runTime: '30s' }, async ({ http }) => { await http.get('/'); });
`);
    const report = reportPath('one-iteration');
    const { code, stdout, stderr } = await cli([file, '--headless', '-i', '1', '--report', report], { limitMs: 30_000 }).ended;
    assert.equal(code, 0, stderr);
    const header = stdout.split('\n').find(line => line.startsWith('Loadlens s (')) ?? '';
    assert.match(header, /→ http:\/\/127\.0\.0\.1:\d+ · 1 users · OTel off/);
    assert.doesNotMatch(header, /for \d/, 'before the fix: "for 24:00:00"');
    const result = readReport(report);
    assert.ok(result.durationMs < 5_000, `${result.durationMs} ms`);
    assert.doesNotMatch(stdout, /of a CPU core/);
    // With --run-time it is said.
    const capped = await cli([file, '--headless', '-i', '1', '-t', '20s'], { limitMs: 30_000 }).ended;
    assert.match(capped.stdout, /· 1 users for 0:20 · OTel off/);
  } finally {
    await ok.close();
  }
});
