/**
 * How many worker processes a run uses: `loadlens run --workers N|auto`, the editor's setting
 * `loadlens.run.workers` and its Options… field. One rule for all three, so each accepts the same values
 * and names itself in the same message.
 */

/** A number of worker processes, or 'auto': one per core of the machine the engine runs on. */
export type WorkersSetting = number | 'auto';

/** More worker processes than this is a typo, not a load test (each is a Node process of ~60 MB). */
export const MAX_WORKERS = 256;

/** Why `value` is not a workers value (a number as typed is accepted as text), or undefined when it is. */
export function workersProblem(value: unknown): string | undefined {
  if (parseWorkers(value) !== undefined) return undefined;
  return `must be a whole number from 1 to ${MAX_WORKERS}, or 'auto' (one per core)`;
}

/** `value` as a workers setting: 'auto', or a whole number 1..MAX_WORKERS (also given as text); undefined otherwise. */
export function parseWorkers(value: unknown): WorkersSetting | undefined {
  if (value === 'auto') return 'auto';
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= MAX_WORKERS ? number : undefined;
}

/** The number of worker processes: 'auto' is `cores` (os.availableParallelism() where the engine runs). */
export function resolveWorkers(value: WorkersSetting, cores: number): number {
  return value === 'auto' ? Math.max(1, Math.min(MAX_WORKERS, cores)) : value;
}

// ---------------------------------------------------------------------------------------------------
// The workers of a run in words: one wording for the terminal, the HTML report and the results panel.

/** A worker as the words name it: its place (1-based, as people count) and its process. */
export interface NamedWorker {
  /** 0-based: the worker runs shard `index`/N. */
  index: number;
  pid?: number;
  /** Requests it measured (what it had reported, when it was lost). */
  requests: number;
  /** How it ended without its report: a signal ('SIGKILL'), 'exit code N', or why it never ran. */
  lost?: string;
}

/** A whole count with thousands separators, the same on every machine: 5120 → '5,120'. */
export function formatCount(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 'worker 2 (pid 1234)': 1-based, as the terminal, the report and the panel name it. */
export function workerName(worker: Pick<NamedWorker, 'index' | 'pid'>): string {
  return `worker ${worker.index + 1} (pid ${worker.pid ?? 'none'})`;
}

/** How a worker ended, from its `lost` value: 'SIGKILL' → 'was killed by SIGKILL', 'exit code 3' → 'exited with code 3'. */
export function describeWorkerEnd(lost: string): string {
  if (/^SIG[A-Z0-9]+$/.test(lost)) return `was killed by ${lost}`;
  const code = /^exit code (.+)$/.exec(lost);
  return code ? `exited with code ${code[1]}` : lost;
}

/** A lost worker in one sentence: 'worker 2 (pid 1234) was killed by SIGKILL: its 5,120 requests are kept'. */
export function describeLostWorker(worker: NamedWorker & { lost: string }): string {
  const requests = worker.requests === 1 ? '1 request is' : `${formatCount(worker.requests)} requests are`;
  return `${workerName(worker)} ${describeWorkerEnd(worker.lost)}: its ${requests} kept`;
}

/** The workers at a glance: '2 workers', '2 workers, 1 lost'. */
export function describeWorkers(workers: readonly Pick<NamedWorker, 'lost'>[], count = workers.length): string {
  const lost = workers.filter(w => w.lost !== undefined).length;
  return `${count} ${count === 1 ? 'worker' : 'workers'}${lost > 0 ? `, ${lost} lost` : ''}`;
}
