// `npm start`: the main job, end to end on this machine, with nothing else installed.
//   1. the example's two services, the shop and the inventory it calls (examples/shop), traced by
//      zero-code auto-instrumentation and exporting to the run's receiver;
//   2. the shopper scenario run headless with --otel --receiver against the shop for about 20 seconds,
//      with a live table, then the summary with where each row's time went (the breakdown), and the
//      reports in reports/shopper.{html,json};
//   3. --forward to a second receiver here (standing in for your platform), which then prints one failed
//      or slow request's trace as it got it: the engine's CLIENT span, its connect child, the shop's
//      SERVER span, its call to the inventory and the inventory's database span, in one trace.
// Extra arguments go to `loadlens run`, e.g. `npm start -- --users 50 --run-time 1m`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { startOtlpReceiver } from '../src/receiver/index.ts';
import { ENGINE_NODE_FLAGS } from '../src/shared/engine-flags.ts';

const root = path.resolve(import.meta.dirname, '..');
const platform = await startOtlpReceiver({ port: 0 });
// The run's receiver listens once the run starts; the services need its address before that.
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
console.log(`The run's OTLP receiver will be on ${endpoint}; it forwards to a stand-in platform on ${platform.url}`);

const inventory = await startService('inventory', 'examples/shop/inventory-main.ts', ['--db-latency-ms', '30', '--slow-db-ms', '150', '--error-rate', '0.005']);
const shop = await startService('shop', 'examples/shop/main.ts', ['--latency-ms', '10', '--jitter-ms', '20', '--error-rate', '0.01', '--inventory', inventory.url]);
console.log(`inventory on ${inventory.url}, example shop on ${shop.url}\n`);

const reportJson = path.join(root, 'reports/shopper.json');
const args = [...ENGINE_NODE_FLAGS, path.join(root, 'dist/engine.js'), 'run', path.join(root, 'examples/shop.load.ts'), '--scenario', 'shopper', '--otel',
  // The services export every 500 ms: 2 s without a span means they have sent everything.
  '--receiver', String(port), '--forward', platform.url, '--span-quiet', '2s',
  '--host', shop.url, '--users', '20', '--spawn-rate', '5', '--run-time', '20s',
  '--report', path.join(root, 'reports/shopper.html'), '--report', reportJson, ...process.argv.slice(2)];
const engineEnv = { ...process.env };
for (const name of Object.keys(engineEnv)) if (name.startsWith('OTEL_EXPORTER_OTLP_')) delete engineEnv[name];
const engine = spawn(process.execPath, args, { stdio: 'inherit', env: engineEnv });
// Ctrl+C reaches every child through the terminal; the engine stops gracefully and still reports.
process.on('SIGINT', () => {});
const code = await new Promise(resolve => engine.on('exit', resolve));

shop.child.kill('SIGTERM');
inventory.child.kill('SIGTERM');
await Promise.all([shop.exited, inventory.exited]);
try {
  const report = JSON.parse(readFileSync(reportJson, 'utf8'));
  const traceId = report.failures.flatMap(f => f.traceIds).at(-1) ?? report.slowest.find(s => s.traceId)?.traceId;
  const services = new Map();
  for (const span of platform.spans()) services.set(span.resource['service.name'], (services.get(span.resource['service.name']) ?? 0) + 1);
  console.log(`\nThe stand-in platform got, forwarded: ${[...services].map(([service, n]) => `${n} spans from '${service}'`).join(', ')}.`);
  if (traceId) printTrace(traceId, platform.store.getTrace(traceId));
} catch (error) {
  console.log(`(no trace to show: ${error.message})`);
}
await platform.close();
process.exitCode = code ?? 1;

/** Starts one of the example's services with zero-code auto-instrumentation, exporting to the run's receiver. */
async function startService(name, main, flags) {
  const register = createRequire(import.meta.url).resolve('@opentelemetry/auto-instrumentations-node/register');
  const child = spawn(process.execPath, ['--require', register, path.join(root, main), '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: name,
      // Local detectors only: the default also asks cloud metadata addresses.
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
      OTEL_BSP_SCHEDULE_DELAY: '500',
    },
  });
  const exited = new Promise(resolve => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', chunk => {
      seen += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]);
    });
    child.once('exit', code => reject(new Error(`the ${name} service exited with ${code} before listening`)));
  });
  return { url, child, exited };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

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
