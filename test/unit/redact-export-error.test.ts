// Pure helpers behind issue 11: URL credentials never printed; an export failure named in the words
// users search for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrlCredentials } from '../../src/shared/redact.ts';
import { describeLostSpans } from '../../src/shared/report.ts';
import { exportErrorReason } from '../../src/engine/telemetry/span-queue.ts';

test('redactUrlCredentials: the password goes, the user and the rest stay, valid URL or not', () => {
  assert.equal(redactUrlCredentials('http://user:secret@host:notaport'), 'http://user:***@host:notaport');
  assert.equal(redactUrlCredentials("OTEL_EXPORTER_OTLP_ENDPOINT='https://a:b%40c@collector:4318/v1' is bad"), "OTEL_EXPORTER_OTLP_ENDPOINT='https://a:***@collector:4318/v1' is bad");
  assert.equal(redactUrlCredentials('http://token@host/x'), 'http://token@host/x');
  assert.equal(redactUrlCredentials('http://127.0.0.1:8080/a@b'), 'http://127.0.0.1:8080/a@b');
  assert.equal(redactUrlCredentials('two: http://u:p1@a and ftp://v:p2@b'), 'two: http://u:***@a and ftp://v:***@b');
});

test('exportErrorReason: HTTP status, network code (own, cause or nested), timeout', () => {
  assert.equal(exportErrorReason(Object.assign(new Error('Unexpected server response'), { code: 500 })), 'HTTP 500');
  assert.equal(exportErrorReason(new Error('OTLP export failed with status code 503')), 'HTTP 503');
  assert.equal(exportErrorReason(Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
  assert.equal(exportErrorReason(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNRESET' } })), 'ECONNRESET');
  assert.equal(exportErrorReason(Object.assign(new Error('aggregate'), { errors: [{ code: 'ECONNREFUSED' }] })), 'ECONNREFUSED');
  assert.equal(exportErrorReason(new Error('span export timed out after 300 ms')), 'timeout');
  assert.equal(exportErrorReason(undefined), 'unknown error');
});

test('describeLostSpans: nothing when nothing was lost; count and last error otherwise', () => {
  assert.equal(describeLostSpans({ spansExported: 5, spansDropped: 0, exportFailures: 0 }), undefined);
  assert.equal(describeLostSpans({ spansExported: 0, spansDropped: 0, exportFailures: 3, spansLost: 295, lastExportError: 'HTTP 500' }), '295 spans lost (last export error: HTTP 500)');
  assert.equal(describeLostSpans({ spansExported: 0, spansDropped: 0, exportFailures: 1, spansLost: 1, lastExportError: 'ECONNREFUSED' }), '1 span lost (last export error: ECONNREFUSED)');
});
