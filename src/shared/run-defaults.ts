/**
 * What a run uses for an option its scenario leaves unset, wherever the run starts: the CLI
 * (src/engine/scenario/validate.ts), the editor's `loadlens.run.*` settings (src/shared/settings.ts) and the
 * setting defaults in package.json (test/unit/run-defaults.test.ts checks they are equal).
 *
 * One user for 30 s, as Locust and k6 start: a first click or command shows the scenario working, and a
 * scenario that wants load says how much.
 */
export const RUN_DEFAULTS = Object.freeze({
  users: 1,
  /**
   * Users started per second when neither the scenario nor the run sets `users` or `spawnRate`. A
   * scenario or a run that sets only `users` starts them all within the first second.
   */
  spawnRate: 1,
  runTime: '30s',
  /** How long in-flight iterations get to finish after the stop. */
  gracefulStop: '5s',
  /** A request's timeout, from sending it to the end of its body. */
  timeout: '30s',
  /** Worker processes (`--workers`, `loadlens.run.workers`): one, the engine process itself. */
  workers: 1,
} as const);
