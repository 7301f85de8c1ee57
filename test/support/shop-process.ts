/**
 * Runs the example's services (examples/shop/main.ts, examples/shop/inventory-main.ts) as child
 * processes, as a user would, for integration tests: `const shop = await startShopProcess({ args:
 * ['--latency-ms', '50'] })`, then requests to `shop.url`, then `await shop.stop()`.
 *
 * Traced as the README says: zero-code auto-instrumentation (`--require
 * @opentelemetry/auto-instrumentations-node/register`), configured by OTEL_* variables only.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';

const MAINS = {
  shop: path.resolve(import.meta.dirname, '../../examples/shop/main.ts'),
  inventory: path.resolve(import.meta.dirname, '../../examples/shop/inventory-main.ts'),
};

/** The zero-code hook, resolved from the repository (the test's working directory may be elsewhere). */
export const AUTO_INSTRUMENTATION = createRequire(import.meta.url).resolve('@opentelemetry/auto-instrumentations-node/register');

/**
 * The OTEL_* variables every traced service of the tests gets: local resource detectors only (the
 * default 'all' would ask cloud metadata addresses, which a test never contacts), the two
 * instrumentations the example uses, and exports within 200 ms instead of 5 s so tests wait little.
 */
export function zeroCodeEnvironment(otlpEndpoint: string, serviceName: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_SERVICE_NAME: serviceName,
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  };
}

export interface ShopProcessOptions {
  /** Extra flags; `--port 0` is always passed first (a later `--port` wins). */
  args?: string[];
  /** Where the service exports its spans (OTEL_EXPORTER_OTLP_ENDPOINT); none: it runs untraced, without the hook. */
  otlpEndpoint?: string;
  /** More environment variables, e.g. OTEL_BSP_SCHEDULE_DELAY; they win over the defaults above. */
  env?: Record<string, string>;
  /** How long to wait for the 'listening on' line. Default 30 s (loading the SDK takes seconds on a busy machine). */
  startTimeoutMs?: number;
}

export interface ShopProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the child printed so far, stdout and stderr interleaved (bounded to the last 64 KiB). */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves with how the child exited; SIGKILL after `timeoutMs` (default 5 s). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAX_OUTPUT = 64 * 1024;

/** The shop (service.name 'shop' when traced); `--inventory URL` in `args` puts it in front of an inventory. */
export function startShopProcess(options: ShopProcessOptions = {}): Promise<ShopProcess> {
  return startServiceProcess('shop', options);
}

/** The inventory service (service.name 'inventory' when traced), e.g. with `--db-latency-ms 40`. */
export function startInventoryProcess(options: ShopProcessOptions = {}): Promise<ShopProcess> {
  return startServiceProcess('inventory', options);
}

async function startServiceProcess(service: keyof typeof MAINS, options: ShopProcessOptions): Promise<ShopProcess> {
  // The test runner's own OTEL_* settings must not leak into the child: the test decides.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('OTEL_') && !name.startsWith('SHOP_') && !name.startsWith('INVENTORY_')) env[name] = value;
  }
  if (options.otlpEndpoint !== undefined) Object.assign(env, zeroCodeEnvironment(options.otlpEndpoint, service));
  Object.assign(env, options.env);
  const hook = options.otlpEndpoint !== undefined ? ['--require', AUTO_INSTRUMENTATION] : [];

  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [...hook, MAINS[service], '--port', '0', ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const listening = new RegExp(`${service} listening on (http://\\S+)`);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the ${service} printed no URL within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = () => {
      const match = listening.exec(output);
      if (match?.[1] === undefined) return;
      cleanup();
      resolve(match[1]);
    };
    const onExit = (code: number | null) => fail(new Error(`the ${service} exited with ${code} before listening; output:\n${output}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error: Error) => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
