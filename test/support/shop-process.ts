/**
 * Runs the example shop (examples/shop/main.ts) as a child process, as a user would, for
 * integration tests: `const shop = await startShopProcess({ args: ['--latency-ms', '50'] })`, then
 * requests to `shop.url`, then `await shop.stop()`.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

const MAIN = path.resolve(import.meta.dirname, '../../examples/shop/main.ts');

export interface ShopProcessOptions {
  /** Extra flags; `--port 0` is always passed first (a later `--port` wins). */
  args?: string[];
  /** Where the shop exports its spans (OTEL_EXPORTER_OTLP_ENDPOINT); none: it runs untraced. */
  otlpEndpoint?: string;
  /** More environment variables, e.g. OTEL_SERVICE_NAME. */
  env?: Record<string, string>;
  /** How long to wait for the 'listening on' line. Default 10 s. */
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

export async function startShopProcess(options: ShopProcessOptions = {}): Promise<ShopProcess> {
  // The test runner's own OTEL_* settings must not leak into the child: the test decides.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('OTEL_') && !name.startsWith('SHOP_')) env[name] = value;
  if (options.otlpEndpoint !== undefined) {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = options.otlpEndpoint;
    // Export within 200 ms instead of 5 s, so tests wait little.
    env.OTEL_BSP_SCHEDULE_DELAY = '200';
    env.OTEL_METRIC_EXPORT_INTERVAL = '1000';
  }
  Object.assign(env, options.env);

  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [MAIN, '--port', '0', ...(options.args ?? [])], {
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

  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the shop printed no URL within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = () => {
      const match = /shop listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      cleanup();
      resolve(match[1]);
    };
    const onExit = (code: number | null) => fail(new Error(`the shop exited with ${code} before listening; output:\n${output}`));
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
