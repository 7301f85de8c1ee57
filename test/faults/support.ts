// Shared by the fault suite: the `loadlens` CLI as a real child process, loopback servers built to
// fail (that count what they received), and peak-RSS sampling. Every load is bounded in time and
// count; every server listens on 127.0.0.1 port 0 and is closed by its test.
//
// LOADLENS_FAULTS_ENGINE=/path/to/main.ts (or engine.js) runs the suite against another build of the
// engine: that is how each test was seen to fail before its fix (against main's code).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../src/shared/engine-flags.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { until as pollUntil } from '../support/poll.ts';

const root = path.resolve(import.meta.dirname, '../..');
export const engine = process.env.LOADLENS_FAULTS_ENGINE ?? path.join(root, 'src/engine/main.ts');
export const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-faults-'));

let bundled: Promise<string> | undefined;

/**
 * The engine as it ships: dist/engine.js built into this suite's temporary folder (once per test file).
 * For memory bounds: running from source costs a second type-stripping module loader in the users
 * worker (about 40 MB of RSS) that the product never pays. LOADLENS_FAULTS_ENGINE wins when set.
 */
export function bundledEngine(): Promise<string> {
  if (process.env.LOADLENS_FAULTS_ENGINE) return Promise.resolve(process.env.LOADLENS_FAULTS_ENGINE);
  bundled ??= new Promise<string>((resolve, reject) => {
    const outdir = path.join(dir, 'dist');
    const build = spawn(process.execPath, [path.join(root, 'scripts/build.mjs'), `--outdir=${outdir}`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    build.stderr!.on('data', chunk => (stderr += chunk));
    build.on('exit', code => (code === 0 ? resolve(path.join(outdir, 'engine.js')) : reject(new Error(`build failed (${code}): ${stderr}`))));
  });
  return bundled;
}

export function scenarioFile(name: string, source: string): string {
  const file = path.join(dir, `${name}.load.ts`);
  writeFileSync(file, source);
  return file;
}

export function reportPath(name: string): string {
  return path.join(dir, `${name}.report.json`);
}

export function readReport(file: string): RunReport {
  assert.ok(existsSync(file), `the report ${file} was not written`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunReport;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the child exits (or is killed at `limitMs`, then `killed` is true). */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; killed: boolean; ms: number; peakRssMb: number }>;
  /** Text on stderr so far. */
  stderr(): string;
  /** Text on stdout so far. */
  stdout(): string;
}

/**
 * `loadlens run ARGS` (or another `command`) as a child process. It is SIGKILLed after `limitMs` (a hung run fails its test
 * instead of hanging the suite). Peak RSS is the kernel's high-water mark (VmHWM), sampled every 100 ms.
 */
export function cli(args: string[], { env = {}, limitMs = 30_000, script = engine, command = 'run' }: { env?: Record<string, string>; limitMs?: number; script?: string; command?: string } = {}): CliRun {
  const started = performance.now();
  // The engine's own Node options, as the bin's shebang and the extension pass them.
  // A bundle outside the checkout finds esbuild's binary only through ESBUILD_BINARY_PATH (as the .vsix ships it beside itself).
  const esbuild = script.endsWith('.js') && !process.env.ESBUILD_BINARY_PATH
    ? { ESBUILD_BINARY_PATH: createRequire(path.join(root, 'package.json')).resolve(`@esbuild/${process.platform}-${process.arch}/bin/esbuild`) }
    : {};
  const child = spawn(process.execPath, [...ENGINE_NODE_FLAGS, script, command, ...args], { env: { ...process.env, NO_COLOR: '1', ...esbuild, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peakRssKb = 0;
  child.stdout!.on('data', chunk => (stdout += chunk));
  child.stderr!.on('data', chunk => (stderr += chunk));
  const sample = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakRssKb = Math.max(peakRssKb, Number(hwm[1]));
    } catch { /* exited */ }
  }, 100);
  let killed = false;
  const limit = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, limitMs);
  const ended = new Promise<Awaited<CliRun['ended']>>(resolve => child.on('exit', (code, signal) => {
    clearInterval(sample);
    clearTimeout(limit);
    resolve({ code, signal, stdout, stderr, killed, ms: performance.now() - started, peakRssMb: peakRssKb / 1024 });
  }));
  return { child, ended, stderr: () => stderr, stdout: () => stdout };
}

export interface Target {
  url: string;
  /** Requests received (counted when their headers arrive). */
  received(): number;
  /** TCP connections accepted. */
  connections(): number;
  /** The request lines' paths received, in order (the first 10,000). */
  paths(): string[];
  close(): Promise<void>;
}

/** A loopback HTTP server; `handle` answers (or does not). Counts every request it receives. */
export async function target(handle: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Target> {
  let received = 0;
  let connections = 0;
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    received++;
    if (paths.length < 10_000) paths.push(req.url ?? '');
    handle(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    connections: () => connections,
    paths: () => paths,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Resolves once `condition` holds (the tests' one polling helper, every 20 ms); rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  await pollUntil(condition, what, { timeoutMs: ms, everyMs: 20 });
}

/** The aggregate row's count and the failures grouped by error. */
export function failuresByError(report: RunReport): Record<string, number> {
  const byError: Record<string, number> = {};
  for (const failure of report.failures) byError[failure.error] = (byError[failure.error] ?? 0) + failure.count;
  return byError;
}

/** The live child processes of `pid` (from /proc: each process's parent id), e.g. a `--workers` run's workers. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return children;
}

/** Whether process `pid` still exists (a zombie counts as gone: it runs nothing). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
