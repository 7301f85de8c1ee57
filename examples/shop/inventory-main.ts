/**
 * Runs the inventory service: `node examples/shop/inventory-main.ts --port 0 --db-latency-ms 40`.
 * Prints `inventory listening on http://127.0.0.1:PORT` once it accepts requests; stops on SIGINT or
 * SIGTERM after finishing in-flight requests. Traced like the shop (see main.ts): zero-code, with
 * `--require @opentelemetry/auto-instrumentations-node/register` and OTEL_SERVICE_NAME=inventory.
 */
import { INVENTORY_USAGE, parseInventoryOptions } from './options.ts';
import { startInventory } from './inventory.ts';
import { stopOnSignals, tracingOn } from './tracing.ts';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(INVENTORY_USAGE);
  process.exit(0);
}

let options;
try {
  options = parseInventoryOptions(args, process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

if (options.clockSkewMs !== 0) {
  // The SDK stamps a span's start with Date.now(): shifting it is what a host with a wrong clock does.
  const realNow = Date.now;
  const skew = options.clockSkewMs;
  Date.now = () => realNow() + skew;
}

const inventory = await startInventory(options);
const skew = options.clockSkewMs !== 0 ? `, clock skew ${options.clockSkewMs} ms` : '';
console.log(`inventory listening on ${inventory.url} (db latency ${options.dbLatencyMs} ms, slow report ${options.slowDbMs} ms, error rate ${options.errorRate}${skew}, telemetry ${tracingOn() ? 'on' : 'off'})`);
stopOnSignals('inventory', () => inventory.close());
