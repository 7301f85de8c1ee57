// Fault suite, issue 20 items 5-7: what users of Locust's HttpUser and k6 expect of an HTTP client.
// Redirects are followed (each hop its own request), TLS can trust a private CA or skip verification
// (and the summary says so), and response headers past Node's 16 KB limit are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';
import { cli, dir, failuresByError, readReport, reportPath, scenarioFile, target } from './support.ts';

/** The trace id of a W3C traceparent header ('00-<trace id>-<span id>-01'). */
const traceIdOf = (traceparent: string | string[] | undefined) => String(traceparent).split('-')[1];

test('faults: redirects are followed up to 10, each hop a request of its own (counted, in its own row, its own trace); redirects: 0 per request or per scenario returns the 3xx', async () => {
  const traceparents: Record<string, string | string[] | undefined> = {};
  const methods: string[] = [];
  const site = await target((req, res) => {
    const url = req.url ?? '';
    traceparents[url] = req.headers.traceparent;
    methods.push(`${req.method} ${url} ${req.headers.authorization ?? '-'}`);
    const moved = (status: number, location: string) => res.writeHead(status, { location }).end();
    if (url === '/start') return moved(302, '/middle');
    if (url === '/middle') return moved(301, '/end');
    if (url === '/loop') return moved(302, '/loop');
    if (url === '/form') return moved(303, '/done');
    if (url === '/keep') return moved(307, '/kept');
    if (url === '/kept') {
      let body = '';
      req.on('data', chunk => (body += chunk));
      return req.on('end', () => res.end(`kept ${req.method} ${body}`));
    }
    res.end(`at ${url}`);
  });
  // Any OTLP answer will do: the test reads the traceparent headers the target received.
  const collector = await target((_req, res) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  try {
    const file = scenarioFile('redirects', `
import { scenario } from 'loadlens';
export const follow = scenario({ host: '${site.url}', users: 1, runTime: '20s' }, async ({ http, check }) => {
  const res = await http.get('/start', { headers: { authorization: 'Bearer t' } });
  check(res, { 'the last hop': r => r.status === 200 && r.text() === 'at /end' });
  const loop = await http.get('/loop');
  check(loop, { 'stops after 10': r => r.status === 302 });
  const once = await http.get('/start', { redirects: 0, name: 'no-follow' });
  check(once, { 'the 302 itself': r => r.status === 302 && r.headers.location === '/middle' });
  const form = await http.post('/form', { json: { a: 1 } });
  check(form, { 'a GET after 303': r => r.text() === 'at /done' });
  const kept = await http.post('/keep', { body: 'payload' });
  check(kept, { '307 keeps method and body': r => r.text() === 'kept POST payload' });
});
export const never = scenario({ host: '${site.url}', users: 1, runTime: '20s', redirects: 0 }, async ({ http, check }) => {
  const res = await http.get('/start');
  check(res, { 'the 302 itself': r => r.status === 302 });
});
`);
    const report = reportPath('redirects');
    const run = await cli([file, '--scenario', 'follow', '--headless', '--iterations', '1', '--otel', '--report', report], {
      limitMs: 30_000, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: 'none' },
    }).ended;
    assert.equal(run.code, 0, run.stderr);
    const result = readReport(report);
    assert.deepEqual(failuresByError(result), {}, 'every check passed (before the fix: the 302 was the answer)');
    const counts = Object.fromEntries(result.requests.filter(r => r.method !== '').map(r => [`${r.method} ${r.name}`, r.count]));
    assert.deepEqual(counts, {
      'GET /start': 1, 'GET /middle': 1, 'GET /end': 1,
      'GET /loop': 11,
      'GET no-follow': 1,
      'POST /form': 1, 'GET /done': 1,
      'POST /keep': 1, 'POST /kept': 1,
    });
    assert.equal(result.totals.requests, site.received());
    // Each hop is its own trace; credentials went along on the same origin.
    const traces = ['/start', '/middle', '/end'].map(p => traceIdOf(traceparents[p]));
    assert.equal(new Set(traces).size, 3, JSON.stringify(traceparents));
    assert.ok(traces.every(t => /^[0-9a-f]{32}$/.test(t ?? '')), JSON.stringify(traces));
    assert.deepEqual(methods.slice(0, 3), ['GET /start Bearer t', 'GET /middle Bearer t', 'GET /end Bearer t']);

    const neverReport = reportPath('redirects-never');
    const never = await cli([file, '--scenario', 'never', '--headless', '--iterations', '1', '--report', neverReport], { limitMs: 30_000 }).ended;
    assert.equal(never.code, 0, never.stderr);
    const noFollow = readReport(neverReport);
    assert.deepEqual(noFollow.requests.filter(r => r.method !== '').map(r => [r.name, r.count, r.failures]), [['/start', 1, 0]]);
  } finally {
    await site.close();
    await collector.close();
  }
});

test('faults: TLS to a self-signed loopback server: refused by default, trusted with caFile or --ca-file, accepted with insecureSkipTLSVerify (the summary warns)', async () => {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec', algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const caFile = path.join(dir, 'loopback-ca.pem');
  writeFileSync(caFile, pems.cert);
  let received = 0;
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => {
    received++;
    res.end('secure');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const file = scenarioFile('tls', `
import { scenario } from 'loadlens';
const fn = async ({ http, check }: any) => { check(await http.get('/'), { secure: (r: any) => r.text() === 'secure' }); };
export const strict = scenario({ host: '${url}', users: 1, runTime: '20s' }, fn);
export const trusted = scenario({ host: '${url}', users: 1, runTime: '20s', caFile: './loopback-ca.pem' }, fn);
export const skip = scenario({ host: '${url}', users: 1, runTime: '20s', insecureSkipTLSVerify: true }, fn);
export const missing = scenario({ host: '${url}', users: 1, runTime: '20s', caFile: './no-such-ca.pem' }, fn);
`);
    const runOnce = async (name: string, flags: string[] = []) => {
      const report = reportPath(`tls-${name}-${flags.length}`);
      const run = await cli([file, '--headless', '--iterations', '1', '--report', report, ...flags], { limitMs: 30_000 }).ended;
      return { ...run, report: run.code === 2 ? undefined : readReport(report) };
    };
    const strict = await runOnce('strict', ['--scenario', 'strict']);
    assert.deepEqual(failuresByError(strict.report!), { DEPTH_ZERO_SELF_SIGNED_CERT: 1 });
    assert.equal(received, 0);

    for (const [name, flags] of [['trusted', ['--scenario', 'trusted']], ['flag', ['--scenario', 'strict', '--ca-file', caFile]]] as const) {
      const run = await runOnce(name, [...flags]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(failuresByError(run.report!), {}, name);
      assert.equal(run.report!.totals.requests, 1, name);
      assert.equal(run.report!.insecureSkipTLSVerify, undefined);
      assert.doesNotMatch(run.stdout, /not verified/);
    }
    for (const [name, flags] of [['skip', ['--scenario', 'skip']], ['skip-flag', ['--scenario', 'strict', '--insecure-skip-tls-verify']]] as const) {
      const run = await runOnce(name, [...flags]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(failuresByError(run.report!), {}, name);
      assert.equal(run.report!.insecureSkipTLSVerify, true);
      assert.match(run.stdout, /⚠ TLS certificates were not verified \(insecureSkipTLSVerify\)/);
    }
    assert.equal(received, 4);

    const missing = await runOnce('missing', ['--scenario', 'missing']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /tls\.load\.ts:\d+:\d+: caFile: cannot read '.*no-such-ca\.pem': ENOENT/);
  } finally {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  }
});

test('faults: response headers over 16 KB are read (default limit 64 KB); maxHeaderBytes sets it', async () => {
  const big = 'x'.repeat(30 * 1024);
  const site = await target((_req, res) => res.writeHead(200, { 'x-big': big }).end('ok'));
  try {
    const file = scenarioFile('big-headers', `
import { scenario } from 'loadlens';
const fn = async ({ http, check }: any) => { check(await http.get('/'), { 'header read': (r: any) => r.headers['x-big'].length === ${big.length} }); };
export const byDefault = scenario({ host: '${site.url}', users: 1, runTime: '20s' }, fn);
export const small = scenario({ host: '${site.url}', users: 1, runTime: '20s', maxHeaderBytes: 8192 }, fn);
`);
    const report = reportPath('big-headers');
    const run = await cli([file, '--scenario', 'byDefault', '--headless', '--iterations', '1', '--report', report], { limitMs: 30_000 }).ended;
    assert.equal(run.code, 0, run.stderr);
    // Before the fix: UND_ERR_HEADERS_OVERFLOW.
    assert.deepEqual(failuresByError(readReport(report)), {});

    const smallReport = reportPath('big-headers-small');
    const small = await cli([file, '--scenario', 'small', '--headless', '--iterations', '1', '--report', smallReport], { limitMs: 30_000 }).ended;
    assert.equal(small.code, 0, small.stderr);
    assert.deepEqual(failuresByError(readReport(smallReport)), { UND_ERR_HEADERS_OVERFLOW: 1 });
  } finally {
    await site.close();
  }
});
