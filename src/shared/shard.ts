// A shard as text, `i/N` (0-based index of N shards): what `--shard`, LOADLENS_SHARD, span attributes and
// reports write, and what the run's options read.
import type { Shard } from './run.ts';

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
