/**
 * The public scenario API: what `import { scenario, between } from 'loadlens'` gives a user's
 * `*.load.ts`. The loader resolves that import to this very module instance, so it stays tiny and
 * imports nothing but a Node built-in. Nothing here throws on bad options: the loader validates every scenario
 * and reports all problems at once, at their place in the user's file.
 */
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition, ScenarioOptions, UserFunction, WaitTime } from './types.ts';

export type {
  Checks,
  DurationInput,
  HttpClient,
  LoadResponse,
  RequestOptions,
  ResponseTimings,
  ScenarioDefinition,
  ScenarioOptions,
  Stage,
  UserContext,
  UserFunction,
  WaitTime,
} from './types.ts';

/**
 * Defines a scenario: its load options and the function each virtual user runs once per iteration.
 * Export the result; the export's name is the scenario's name.
 */
export function scenario(options: ScenarioOptions, fn: UserFunction): ScenarioDefinition {
  const location = callerLocation();
  return Object.freeze({ kind: 'loadlens.scenario', options, fn, ...(location && { location }) });
}

/** Waits a uniformly random time between `minSeconds` and `maxSeconds` after each iteration. */
export function between(minSeconds: number, maxSeconds: number): WaitTime {
  return { kind: 'between', minSeconds, maxSeconds };
}

/** Waits exactly `seconds` after each iteration. */
export function constant(seconds: number): WaitTime {
  return { kind: 'constant', seconds };
}

/** Starts each iteration `seconds` after the previous one started (less the time it took), as k6 and Locust pace. */
export function constantPacing(seconds: number): WaitTime {
  return { kind: 'constantPacing', seconds };
}

// The frame that called scenario(). The loader compiles the user's file with source maps enabled, so
// V8's stack already names the user's own file, line and column.
const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

function callerLocation(): ScenarioDefinition['location'] {
  const site: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(site, scenario);
  Error.stackTraceLimit = limit;
  const match = FRAME.exec(site.stack?.split('\n')[1] ?? '');
  if (!match) return undefined;
  const file = match[1]!.startsWith('file:') ? fileURLToPath(match[1]!) : match[1]!;
  return { file, line: Number(match[2]), column: Number(match[3]) };
}
