// `npm start`: the main job, end to end on this machine, with nothing else installed.
//   1. an OTLP/HTTP receiver (Loadlens's own, src/receiver) on a free loopback port;
//   2. the example shop (instrumented with the official OpenTelemetry Node SDK), exporting to it;
//   3. the shopper scenario run headless with --otel against the shop for about 20 seconds, with a live
//      table, the summary, and reports in reports/shopper.{html,json};
//   4. one failed or slow request's trace, as the receiver got it: the engine's CLIENT span, its
//      connect child, and the shop's SERVER span continuing the same trace.
// Extra arguments go to `loadlens run`, e.g. `npm start -- --users 50 --run-time 1m`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startOtlpReceiver } from '../src/receiver/index.ts';
import { ENGINE_NODE_FLAGS } from '../src/shared/engine-flags.ts';

const root = path.resolve(import.meta.dirname, '..');
const receiver = await startOtlpReceiver({ port: 0 });
console.log(`OTLP receiver on ${receiver.url}`);

const shop = spawn(process.execPath, [path.join(root, 'examples/shop/main.ts'), '--port', '0', '--latency-ms', '20', '--jitter-ms', '30', '--error-rate', '0.01'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'shop', OTEL_BSP_SCHEDULE_DELAY: '500' },
});
const url = await new Promise((resolve, reject) => {
  let seen = '';
  shop.stdout.on('data', chunk => {
    seen += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(seen);
    if (match) resolve(match[1]);
  });
  shop.once('exit', code => reject(new Error(`the example shop exited with ${code} before listening`)));
});
console.log(`example shop on ${url}\n`);

const reportJson = path.join(root, 'reports/shopper.json');
const args = [...ENGINE_NODE_FLAGS, path.join(root, 'dist/engine.js'), 'run', path.join(root, 'examples/shop.load.ts'), '--scenario', 'shopper', '--otel',
  '--host', url, '--users', '20', '--spawn-rate', '5', '--run-time', '20s',
  '--report', path.join(root, 'reports/shopper.html'), '--report', reportJson, ...process.argv.slice(2)];
const engine = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
// Ctrl+C reaches both children through the terminal; the engine stops gracefully and still reports.
process.on('SIGINT', () => {});
const code = await new Promise(resolve => engine.on('exit', resolve));

// The shop's SDK flushes on SIGTERM; give its last batch a moment to arrive.
shop.kill('SIGTERM');
await new Promise(resolve => shop.once('exit', resolve));
try {
  const report = JSON.parse(readFileSync(reportJson, 'utf8'));
  const traceId = report.failures.flatMap(f => f.traceIds).at(-1) ?? report.slowest.find(s => s.traceId)?.traceId;
  const services = new Map();
  for (const span of receiver.spans()) services.set(span.resource['service.name'], (services.get(span.resource['service.name']) ?? 0) + 1);
  console.log(`\nThe receiver got ${[...services].map(([service, n]) => `${n} spans from '${service}'`).join(' and ')}.`);
  if (traceId) printTrace(traceId, receiver.store.getTrace(traceId));
} catch (error) {
  console.log(`(no trace to show: ${error.message})`);
}
await receiver.close();
process.exitCode = code ?? 1;

/** A trace as an indented tree: service, kind, name, duration, status. */
function printTrace(traceId, trace) {
  const spans = trace ?? [];
  console.log(`Trace ${traceId} (${spans.length} spans):`);
  const children = new Map();
  for (const span of spans) children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const ids = new Set(spans.map(s => s.spanId));
  const print = (span, depth) => {
    const ms = (Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6).toFixed(1);
    const error = span.status.codeName === 'ERROR' ? `  ERROR ${span.attributes['error.type'] ?? span.status.message ?? ''}` : '';
    console.log(`${'  '.repeat(depth + 1)}${span.resource['service.name']}  ${span.kindName} ${span.name}  ${ms} ms${error}`);
    for (const child of children.get(span.spanId) ?? []) print(child, depth + 1);
  };
  for (const root of spans.filter(s => !ids.has(s.parentSpanId))) print(root, 0);
}
