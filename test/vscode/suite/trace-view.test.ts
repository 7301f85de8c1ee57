// Loadlens's trace view in the real extension host: opened before a trace's spans arrive, it says it
// waits (an empty 'trace' message), then updates when an application exports them later (OTLP/JSON
// posted to the embedded receiver, as an app exporting in batches would).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LoadlensApi } from '../../../src/extension/extension.ts';
import type { HostToView } from '../../../src/shared/protocol.ts';
import { until } from '../../support/poll.ts';

type TraceMessage = Extract<HostToView, { kind: 'trace' }>;

suite('the trace view', () => {
  test('opened before its spans arrive, it shows none, then every late span as it comes, nested under its parent', async () => {
    const loadlens = await vscode.extensions.getExtension<LoadlensApi>('loadlens.loadlens')!.activate();
    const endpoint = await loadlens.receiver.endpoint();
    const traceId = randomBytes(16).toString('hex');
    const [serverId, internalId] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];

    await vscode.commands.executeCommand('loadlens.open-trace', { traceId });
    const view = await until(() => loadlens.traceViews().find(v => v.target.traceId === traceId), 'trace view', { timeoutMs: 5000 });
    const traces = () => view.posted.filter((m): m is TraceMessage => m.kind === 'trace');
    const first = await until(() => traces()[0], "the view's first trace message", { timeoutMs: 10_000 });
    assert.deepEqual([first.spans, first.receiving], [[], true], 'nothing yet, the receiver runs: the page says it waits for spans');
    assert.equal(first.platform, undefined, 'no platform configured: no "Open in platform"');

    // The application exports its SERVER span first, its INTERNAL child in a later batch.
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const span = (spanId: string, parentSpanId: string, kind: number, name: string, fromMs: number, toMs: number) => ({
      traceId, spanId, parentSpanId, name, kind,
      startTimeUnixNano: String(t0 + BigInt(fromMs) * 1_000_000n), endTimeUnixNano: String(t0 + BigInt(toMs) * 1_000_000n),
    });
    const post = async (spans: object[]) => {
      const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late-app' } }] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
      const response = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 200);
    };
    await post([span(serverId, '', 2, 'GET /late', 0, 30)]);
    const second = await until(() => traces().find(m => m.spans.length === 1), 'an update with the SERVER span', { timeoutMs: 5000 });
    assert.deepEqual(second.spans.map(s => [s.kindName, s.name, s.resource['service.name']]), [['SERVER', 'GET /late', 'late-app']]);

    await post([span(internalId, serverId, 1, 'load', 5, 25)]);
    const third = await until(() => traces().find(m => m.spans.length === 2), 'an update with the INTERNAL span', { timeoutMs: 5000 });
    assert.deepEqual(third.spans.map(s => [s.spanId, s.parentSpanId]), [[serverId, ''], [internalId, serverId]]);

    // Opening the same trace again reveals the same tab.
    await vscode.commands.executeCommand('loadlens.open-trace', { traceId: traceId.toUpperCase() });
    assert.equal(loadlens.traceViews().filter(v => v.target.traceId === traceId).length, 1);
    view.dispose();
    assert.equal(loadlens.traceViews().some(v => v.target.traceId === traceId), false);
  });
});
