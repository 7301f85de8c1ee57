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
