/**
 * Runs the example shop: `node examples/shop/main.ts --port 0 --latency-ms 20 --error-rate 0.01`.
 * Prints `shop listening on http://127.0.0.1:PORT` once it accepts requests; stops on SIGINT or
 * SIGTERM after finishing in-flight requests and flushing its spans.
 *
 * Order matters: the OpenTelemetry SDK starts first, and only then is the server module (and with
 * it node:http) loaded, so the HTTP instrumentation's require hook can patch it.
 */
import { parseShopOptions, USAGE } from './options.ts';
import { startTelemetry } from './telemetry.ts';

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

const telemetry = startTelemetry();
const { startShop } = await import('./shop.ts');
const shop = await startShop(options);
console.log(`shop listening on ${shop.url} (latency ${options.latencyMs} ms + jitter ${options.jitterMs} ms, error rate ${options.errorRate}, telemetry ${telemetry.exporting ? 'on' : 'off'})`);

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    // A second Ctrl+C means "now".
    process.exit(130);
  }
  stopping = true;
  console.log(`shop: ${signal}, stopping`);
  // Bounded: a client holding a request open must not keep the shop alive forever.
  const deadline = setTimeout(() => {
    console.error('shop: did not stop within 5 s, exiting');
    process.exit(1);
  }, 5000);
  deadline.unref();
  await shop.close();
  await telemetry.shutdown();
  clearTimeout(deadline);
  process.exitCode = 0;
}
process.on('SIGINT', signal => void stop(signal));
process.on('SIGTERM', signal => void stop(signal));
