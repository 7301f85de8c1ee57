/**
 * Shards of one plan, with no coordinator: `--shard i/N` runs shard i's share of the whole load, and N
 * shards started anywhere (child processes of `--workers N`, the pods of a Kubernetes Indexed Job) add
 * up to exactly the plan, k6's execution segments for N equal segments.
 *
 * The split is round-robin: of the plan's users (or arrivals) in the order they start, number k
 * (0-based) belongs to shard k mod N. Each shard applies that to the whole plan's target at every
 * scheduler tick, rather than cutting the plan's numbers once, because only then:
 * - the shares of any N add up to the whole at every instant, not just at the ends of stages;
 * - a shard's share never goes down while the whole goes up, so ramps stay ramps in every shard. A
 *   block split (shard i takes ⌊T·(i+1)/N⌋ − ⌊T·i/N⌋) can: 2 users in 5 shards are 0,0,1,0,1 but 3 users
 *   are 0,1,0,1,1, so shard 2 would stop a user while the plan starts one;
 * - shard 0 takes the remainder first, so a plan smaller than N still runs.
 */

import type { Shard } from '../../shared/run.ts';

export type { Shard };

/** The largest number of shards: far beyond any machine or Job, small enough to catch a typo. */
export const MAX_SHARDS = 10_000;

/**
 * Parses `i/N` (e.g. `0/3`, the first of three). Returns the shard, or a problem for the caller to
 * name its flag or variable with.
 */
export function parseShard(text: string): Shard | { problem: string } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return { problem: `must be i/N, the shard's 0-based index and the number of shards (e.g. 0/3), got '${text}'` };
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) return { problem: `the number of shards must be between 1 and ${MAX_SHARDS}, got ${match[2]}` };
  if (index >= count) return { problem: `the index is 0-based and must be below the number of shards (0 to ${count - 1} of ${count}), got ${match[1]}` };
  return { index, count };
}

/** `i/N`, as flags, attributes and reports write a shard. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * This shard's share of `total` (users, arrivals so far, a cap): the number of k in [0, total) with
 * k mod count = index. Summed over every index it is exactly `total`; it never decreases as `total` grows.
 */
export function shareOf(total: number, shard: Shard | undefined): number {
  if (!shard) return total;
  const whole = Math.max(0, Math.floor(total));
  return Math.floor((whole + shard.count - 1 - shard.index) / shard.count);
}

/**
 * The plan-wide id of this shard's `local`-th virtual user (1-based), so ids never collide across shards:
 * shard i's users are i+1, i+1+N, i+1+2N, … as in the round-robin split.
 */
export function globalUserId(local: number, shard: Shard | undefined): number {
  if (!shard) return local;
  return (local - 1) * shard.count + shard.index + 1;
}

/**
 * What a run id may hold: it travels in baggage, resource attributes, file names and Kubernetes labels,
 * so it is a valid label value (at most 63 characters, alphanumeric at both ends). A UUID fits.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** Why `runId` cannot be a run id, or undefined when it can. */
export function runIdProblem(runId: string): string | undefined {
  if (RUN_ID_PATTERN.test(runId)) return undefined;
  return `must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (it becomes a Kubernetes label), got '${runId}'`;
}
