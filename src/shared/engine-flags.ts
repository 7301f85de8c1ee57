/**
 * Node options every launcher of the engine uses (the extension's fork, the `loadlens` bin's shebang,
 * `npm start`, the bench).
 *
 * --min-semi-space-size=16: V8 starts the young generation at 1 MB semi-spaces and grows it under
 * allocation pressure, to 16 MB quickly and to 32 MB some seconds into a busy run: a one-time RSS step of
 * ~27 MB that looks like growth in a long run although the heap in use stays ~14 MB. Starting at 16 MB
 * keeps RSS flat from the first seconds (measured by `npm run bench`, part 3); throughput is unchanged.
 * It must be given at process start: V8 reads it when it sets up the heap.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16'];
