/**
 * Runs the example shop: `node examples/shop/main.ts --port 0 --latency-ms 20 --error-rate 0.01`,
 * with `--inventory URL` in front of the inventory service (inventory-main.ts). Prints
 * `shop listening on http://127.0.0.1:PORT` once it accepts requests; stops on SIGINT or SIGTERM after
 * finishing in-flight requests.
 *
 * Traced with zero-code auto-instrumentation: start it with
 * `node --require @opentelemetry/auto-instrumentations-node/register examples/shop/main.ts` and the
 * OTEL_* variables (e.g. OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME=shop); the register hook
 * loads before this file, so node:http is patched when shop.ts requires it.
 */
import { parseShopOptions, USAGE } from './options.ts';
import { startShop } from './shop.ts';
import { stopOnSignals, tracingOn } from './tracing.ts';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

let options;
try {
  options = parseShopOptions(args, process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const shop = await startShop(options);
const inventory = options.inventoryUrl ? `, inventory ${options.inventoryUrl}` : '';
console.log(`shop listening on ${shop.url} (latency ${options.latencyMs} ms + jitter ${options.jitterMs} ms, error rate ${options.errorRate}${inventory}, telemetry ${tracingOn() ? 'on' : 'off'})`);
stopOnSignals('shop', () => shop.close());
