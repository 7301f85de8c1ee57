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

// The `i/N` text of a shard (flags, attributes, reports) is src/shared/shard.ts: the scenario's options read it too.
export { formatShard, MAX_SHARDS, parseShard } from '../../shared/shard.ts';

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
