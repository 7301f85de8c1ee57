// The one way the tests wait for something that happens elsewhere (a server's count, a webview's DOM,
// an extension host's state): read it again every few milliseconds, bounded in time. Used by the unit,
// fault, extension-host and UI suites alike, so a test never hand-writes its own deadline loop.

export interface PollOptions {
  /** How long to keep reading before giving up. */
  timeoutMs: number;
  /** The pause between two reads (default 50 ms). */
  everyMs?: number;
}

/**
 * Reads `read()` until `done(value)` holds or `timeoutMs` has passed, and returns the last value read
 * either way: the caller asserts on it and can print it when the assertion fails. A read that throws
 * (a webview frame reloading, a file half written) counts as "not yet" and is read again.
 */
export async function poll<T>(read: () => T | Promise<T>, done: (value: T) => boolean, { timeoutMs, everyMs = 50 }: PollOptions): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T;
    try {
      value = await read();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, everyMs));
      continue;
    }
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
}

/**
 * Resolves with the first truthy value `read()` returns; rejects with
 * "timed out after N ms waiting for WHAT" when none came within `timeoutMs`.
 */
export async function until<T>(read: () => T | Promise<T>, what: string, options: PollOptions): Promise<NonNullable<T>> {
  const value = await poll(read, value => Boolean(value), options);
  if (!value) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
  return value as NonNullable<T>;
}
