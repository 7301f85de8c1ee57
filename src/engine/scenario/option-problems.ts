/**
 * What is wrong with a scenario's options: every problem at once, each with the option it is about
 * (k6's `Validate()`). validate.ts places them in the user's file; run-options.ts refuses to resolve them.
 */
import { describeValue, formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { redactUrlCredentials } from '../../shared/redact.ts';
import type { OptionPath } from '../../shared/scenario-locator.ts';
import type { ScenarioOptions } from '../api/types.ts';

export type { OptionPath };


/**
 * Checks one threshold's full syntax (thresholds.ts owns it): the metric expression (`'p95'`,
 * `'p99{name:/checkout}'`) and its condition (`'< 300ms'`). Returns what is wrong, or undefined.
 */
export type ThresholdCheck = (expression: string, condition: string) => string | undefined;

/** Checks that other modules contribute to validation, so their problems are reported with the rest. */
export interface ValidationHooks {
  checkThreshold?: ThresholdCheck;
}

/** Where an option sits in the options object: `['stages', 1, 'target']`. */

/** One problem and the option it is about (used to find its line in the source). */
export interface OptionProblem {
  path: OptionPath;
  message: string;
}

const OPTION_NAMES = [
  'host', 'users', 'spawnRate', 'runTime', 'stages', 'arrivalRate', 'maxUsers', 'wait', 'thresholds',
  'onStart', 'onStop', 'gracefulStop', 'timeout', 'maxBodyBytes', 'redirects', 'maxHeaderBytes', 'insecureSkipTLSVerify', 'caFile',
] as const satisfies readonly (keyof ScenarioOptions)[];
// Compile-time guard: a new field in ScenarioOptions must be added to OPTION_NAMES, or it would be reported as unknown.
const _everyOptionListed: [Exclude<keyof ScenarioOptions, (typeof OPTION_NAMES)[number]>] extends [never] ? true : never = true;

// Names users bring from other tools (k6, Locust, Gatling), mapped to ours.
const OPTION_ALIASES: Record<string, string> = {
  vus: 'users', duration: 'runTime', hatchRate: 'spawnRate', rampUp: 'stages', baseUrl: 'host', baseURL: 'host',
  rate: 'arrivalRate', maxVUs: 'maxUsers', thinkTime: 'wait', waitTime: 'wait',
  maxRedirects: 'redirects', insecureSkipTlsVerify: 'insecureSkipTLSVerify', ca: 'caFile', tlsCaFile: 'caFile',
};
const STAGE_FIELDS = ['duration', 'target'] as const;
const STAGE_ALIASES: Record<string, string> = { users: 'target', vus: 'target', time: 'duration' };

/** Every problem in a scenario's options, in the order checked; empty when they can be resolved. */
export function findProblems(options: unknown, hooks: ValidationHooks = {}): OptionProblem[] {
  if (!isPlainObject(options)) {
    return [{ path: [], message: `scenario options must be an object such as { users: 10, runTime: '1m' }, got ${describeValue(options)}` }];
  }
  const problems: OptionProblem[] = [];
  const report = (path: OptionPath, message: string) => problems.push({ path, message });
  const o = options as Record<string, unknown>;

  for (const key of Object.keys(o)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      report([key], `unknown option '${key}': ${suggest(key, OPTION_NAMES, OPTION_ALIASES) ?? `the options are ${OPTION_NAMES.join(', ')}`}`);
    }
  }
  if (o.host !== undefined) {
    const problem = hostProblem(o.host);
    if (problem) report(['host'], `host: ${problem}`);
  }
  if (o.users !== undefined && !isPositiveInteger(o.users)) report(['users'], `users: must be a positive integer, got ${describeValue(o.users)}`);
  if (o.spawnRate !== undefined && !isPositiveNumber(o.spawnRate)) {
    report(['spawnRate'], `spawnRate: must be a number of users per second above 0, got ${describeValue(o.spawnRate)}`);
  }
  checkDuration(o, 'runTime', { allowZero: false }, report);
  checkDuration(o, 'gracefulStop', { allowZero: true }, report);
  checkDuration(o, 'timeout', { allowZero: false }, report);
  if (o.stages !== undefined) checkStages(o.stages, report);
  if (o.arrivalRate !== undefined) {
    if (!isPositiveNumber(o.arrivalRate)) {
      report(['arrivalRate'], `arrivalRate: must be a number of iterations per second above 0, got ${describeValue(o.arrivalRate)}`);
    }
    if (o.maxUsers === undefined) {
      report(['arrivalRate'], 'maxUsers: missing: the open model (arrivalRate) needs a cap on concurrent users, e.g. maxUsers: 100');
    }
    if (o.stages !== undefined) {
      report(['arrivalRate'], 'stages and arrivalRate cannot be combined: stages ramp a number of users (closed model), arrivalRate starts iterations at a fixed rate (open model)');
    }
  }
  if (o.maxUsers !== undefined) {
    if (!isPositiveInteger(o.maxUsers)) report(['maxUsers'], `maxUsers: must be a positive integer, got ${describeValue(o.maxUsers)}`);
    else if (o.arrivalRate === undefined) {
      report(['maxUsers'], 'maxUsers: only applies with arrivalRate (the open model); set users for a fixed number of users');
    }
  }
  if (o.wait !== undefined) {
    const problem = waitProblem(o.wait);
    if (problem) report(['wait'], `wait: ${problem}`);
  }
  if (o.thresholds !== undefined) checkThresholds(o.thresholds, hooks, report);
  if (o.maxBodyBytes !== undefined && !isPositiveInteger(o.maxBodyBytes)) {
    report(['maxBodyBytes'], `maxBodyBytes: must be a positive whole number of bytes, e.g. 16_000_000, got ${describeValue(o.maxBodyBytes)}`);
  }
  if (o.redirects !== undefined && !isNonNegativeInteger(o.redirects)) {
    report(['redirects'], `redirects: must be a whole number of redirects to follow, 0 for none, got ${describeValue(o.redirects)}`);
  }
  if (o.maxHeaderBytes !== undefined && !isPositiveInteger(o.maxHeaderBytes)) {
    report(['maxHeaderBytes'], `maxHeaderBytes: must be a positive whole number of bytes, e.g. 131072, got ${describeValue(o.maxHeaderBytes)}`);
  }
  if (o.insecureSkipTLSVerify !== undefined && typeof o.insecureSkipTLSVerify !== 'boolean') {
    report(['insecureSkipTLSVerify'], `insecureSkipTLSVerify: must be true or false, got ${describeValue(o.insecureSkipTLSVerify)}`);
  }
  if (o.caFile !== undefined && (typeof o.caFile !== 'string' || o.caFile === '')) {
    report(['caFile'], `caFile: must be the path of a PEM file of CA certificates, got ${describeValue(o.caFile)}`);
  }
  for (const hook of ['onStart', 'onStop'] as const) {
    if (o[hook] !== undefined && typeof o[hook] !== 'function') {
      report([hook], `${hook}: must be a function such as async ({ http }) => { ... }, got ${describeValue(o[hook])}`);
    }
  }
  return problems;
}

type Report = (path: OptionPath, message: string) => void;

function checkDuration(o: Record<string, unknown>, key: 'runTime' | 'gracefulStop' | 'timeout', { allowZero }: { allowZero: boolean }, report: Report): void {
  if (o[key] === undefined) return;
  const parsed = tryParseDuration(o[key]);
  if (!parsed.ok) report([key], `${key}: ${parsed.message}`);
  else if (!allowZero && parsed.ms === 0) report([key], `${key}: must be longer than 0, got ${describeValue(o[key])}`);
  else if (parsed.ms > MAX_TIMER_MS) report([key], tooLongForTimers(key, o[key]));
}

/**
 * The longest duration Node's timers can hold (2^31 - 1 ms, about 24.8 days). A longer one overflows:
 * Node fires it after 1 ms, so `runTime: '600h'` would end the run at once and pass.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The message for a duration longer than {@link MAX_TIMER_MS}, naming the option as the user wrote it. */
export function tooLongForTimers(option: string, value: unknown): string {
  return `${option}: ${describeValue(value)} is longer than the engine's timers can hold; the longest is ${formatDuration(MAX_TIMER_MS)} (about 24.8 days)`;
}

function checkStages(stages: unknown, report: Report): void {
  if (!Array.isArray(stages) || stages.length === 0) {
    report(['stages'], `stages: must be a non-empty list of { duration, target }, e.g. [{ duration: '1m', target: 50 }], got ${describeValue(stages)}`);
    return;
  }
  stages.forEach((stage: unknown, i) => {
    if (!isPlainObject(stage)) {
      report(['stages', i], `stages[${i}]: must be { duration, target }, got ${describeValue(stage)}`);
      return;
    }
    const s = stage as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!(STAGE_FIELDS as readonly string[]).includes(key)) {
        report(['stages', i, key], `stages[${i}]: unknown field '${key}': ${suggest(key, STAGE_FIELDS, STAGE_ALIASES) ?? 'a stage has duration and target'}`);
      }
    }
    if (s.duration === undefined) report(['stages', i], `stages[${i}].duration: missing: how long this stage ramps, e.g. '30s'`);
    else {
      const parsed = tryParseDuration(s.duration);
      if (!parsed.ok) report(['stages', i, 'duration'], `stages[${i}].duration: ${parsed.message}`);
      else if (parsed.ms > MAX_TIMER_MS) report(['stages', i, 'duration'], tooLongForTimers(`stages[${i}].duration`, s.duration));
    }
    if (s.target === undefined) report(['stages', i], `stages[${i}].target: missing: the number of users at the end of this stage`);
    else if (!isNonNegativeInteger(s.target)) report(['stages', i, 'target'], `stages[${i}].target: must be an integer >= 0, got ${describeValue(s.target)}`);
  });
}

function waitProblem(wait: unknown): string | undefined {
  const expected = 'must be between(min, max), constant(seconds) or constantPacing(seconds)';
  if (typeof wait === 'number') return `${expected}, got ${wait} (did you mean constant(${wait})?)`;
  if (!isPlainObject(wait)) return `${expected}, got ${describeValue(wait)}`;
  const w = wait as Record<string, unknown>;
  // At most what a timer holds (2^31 - 1 ms): a longer sleep would overflow and end at once.
  const seconds = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value * 1000 <= MAX_TIMER_MS;
  switch (w.kind) {
    case 'between':
      if (!seconds(w.minSeconds) || !seconds(w.maxSeconds)) {
        return `between(min, max) takes seconds >= 0 and at most ${MAX_TIMER_MS / 1000} (what timers hold), got between(${describeValue(w.minSeconds)}, ${describeValue(w.maxSeconds)})`;
      }
      return (w.minSeconds as number) > (w.maxSeconds as number)
        ? `between(${w.minSeconds}, ${w.maxSeconds}): the minimum is above the maximum`
        : undefined;
    case 'constant':
    case 'constantPacing':
      return seconds(w.seconds) ? undefined : `${w.kind}(seconds) takes seconds >= 0 and at most ${MAX_TIMER_MS / 1000} (what timers hold), got ${w.kind}(${describeValue(w.seconds)})`;
    default:
      return `${expected}, got ${describeValue(wait)}`;
  }
}

function checkThresholds(thresholds: unknown, hooks: ValidationHooks, report: Report): void {
  if (!isPlainObject(thresholds)) {
    report(['thresholds'], `thresholds: must be an object such as { p95: '< 300ms', errorRate: '< 1%' }, got ${describeValue(thresholds)}`);
    return;
  }
  for (const [expression, condition] of Object.entries(thresholds as Record<string, unknown>)) {
    const label = `thresholds['${expression}']`;
    if (typeof condition !== 'string') {
      report(['thresholds', expression], `${label}: must be a condition string such as '< 300ms', got ${describeValue(condition)}`);
      continue;
    }
    const problem = hooks.checkThreshold?.(expression, condition);
    if (problem) report(['thresholds', expression], `${label}: ${problem}`);
  }
}

export function hostProblem(host: unknown): string | undefined {
  const problem = `must be an http:// or https:// URL such as 'http://127.0.0.1:8080', got ${redactUrlCredentials(describeValue(host))}`;
  if (typeof host !== 'string') return problem;
  try {
    const url = new URL(host);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : problem;
  } catch {
    return problem;
  }
}

/** "did you mean 'spawnRate'?" for a misspelt or borrowed name, by alias then by edit distance; undefined when nothing is close. */
function suggest(name: string, known: readonly string[], aliases: Record<string, string>): string | undefined {
  const alias = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  if (alias) return `did you mean '${alias}'?`;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const tolerance = Math.max(2, Math.floor(name.length / 3));
  return best && best.distance <= tolerance ? `did you mean '${best.candidate}'?` : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ('suers' → 'users'). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
export function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
export function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}
function isNonNegativeInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
