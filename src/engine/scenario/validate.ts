/**
 * Scenario options: every problem at once, each at its place in the user's file (k6's `Validate()`),
 * and the run's resolved numbers once the options, the command line's flags and the defaults meet.
 */
import type { RunOverrides } from '../../shared/run.ts';
import type { Diagnostic } from '../../shared/report.ts';
import { describeValue, formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { redactUrlCredentials } from '../../shared/redact.ts';
import { RUN_DEFAULTS } from '../../shared/run-defaults.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../run/http.ts';
import { parseShard, type Shard } from '../run/shard.ts';
import { positionAt } from '../../shared/text-position.ts';
import type { DurationInput, ScenarioDefinition, ScenarioOptions } from '../api/types.ts';

/** A 1-based place in a file (the `scenario(` call site, after source maps). */
export type SourceLocation = NonNullable<ScenarioDefinition['location']>;

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
export type OptionPath = readonly (string | number)[];

interface Problem {
  /** The option the problem is about, used to find its line in the source. */
  path: OptionPath;
  message: string;
}

const OPTION_NAMES = [
  'host', 'users', 'spawnRate', 'runTime', 'stages', 'arrivalRate', 'maxUsers', 'wait', 'thresholds',
  'onStart', 'onStop', 'gracefulStop', 'timeout', 'maxBodyBytes',
] as const satisfies readonly (keyof ScenarioOptions)[];
// Compile-time guard: a new field in ScenarioOptions must be added to OPTION_NAMES, or it would be reported as unknown.
const _everyOptionListed: [Exclude<keyof ScenarioOptions, (typeof OPTION_NAMES)[number]>] extends [never] ? true : never = true;

// Names users bring from other tools (k6, Locust, Gatling), mapped to ours.
const OPTION_ALIASES: Record<string, string> = {
  vus: 'users', duration: 'runTime', hatchRate: 'spawnRate', rampUp: 'stages', baseUrl: 'host', baseURL: 'host',
  rate: 'arrivalRate', maxVUs: 'maxUsers', thinkTime: 'wait', waitTime: 'wait',
};
const STAGE_FIELDS = ['duration', 'target'] as const;
const STAGE_ALIASES: Record<string, string> = { users: 'target', vus: 'target', time: 'duration' };

/**
 * Every problem in a scenario's options, each a Diagnostic at the offending property inside the
 * `scenario(...)` call when `sourceText` (the text of `location.file`) shows it, else at the call site.
 * Sorted by position. An empty list means the options can be resolved with {@link resolveRunOptions}.
 */
export function validateScenarioOptions(
  options: unknown,
  location: SourceLocation,
  sourceText?: string,
  hooks: ValidationHooks = {},
): Diagnostic[] {
  const diagnostics = findProblems(options, hooks).map(({ path, message }) => {
    const at = sourceText === undefined ? undefined : locateOption(sourceText, location, path);
    return { file: location.file, line: at?.line ?? location.line, column: at?.column ?? location.column, message };
  });
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

function findProblems(options: unknown, hooks: ValidationHooks): Problem[] {
  if (!isPlainObject(options)) {
    return [{ path: [], message: `scenario options must be an object such as { users: 10, runTime: '1m' }, got ${describeValue(options)}` }];
  }
  const problems: Problem[] = [];
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

function hostProblem(host: unknown): string | undefined {
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
function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}
function isNonNegativeInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

// ---------------------------------------------------------------------------------------------------
// Finding an option in the source text

/**
 * Where the option at `path` is written inside the options object literal of the `scenario(` call at
 * `callSite` (1-based line and column): the deepest part of the path that is found, so
 * `['stages', 1, 'target']` gives the `target` key of the second stage, else that stage, else the
 * `stages` key. Undefined when no object literal follows the call (options built elsewhere).
 *
 * A light scanner, not a parser: it skips strings, template literals and comments and follows
 * brackets; a regular expression literal containing brackets or quotes can make it find less.
 */
export function locateOption(sourceText: string, callSite: { line: number; column: number }, path: OptionPath): { line: number; column: number } | undefined {
  const callOffset = offsetAt(sourceText, callSite.line, callSite.column);
  if (callOffset === undefined) return undefined;
  // From the call site (`scenario`, or `loadlens.scenario`) to the first argument: a name, type arguments, `(`.
  const opening = /^[\w$.\s]*(?:<[^()]*>\s*)?\(/.exec(sourceText.slice(callOffset, callOffset + 500));
  if (!opening) return undefined;
  const first = skipTrivia(sourceText, callOffset + opening[0].length);
  let container: number | undefined = sourceText[first] === '{' ? first : undefined;
  let found: number | undefined;
  for (const segment of path) {
    if (container === undefined) break;
    const member = findMember(sourceText, container, segment);
    if (!member) break;
    found = member.start;
    const value = member.valueStart;
    container = value !== undefined && (sourceText[value] === '{' || sourceText[value] === '[') ? value : undefined;
  }
  if (found === undefined) return undefined;
  const { line, column } = positionAt(sourceText, found);
  return { line: line + 1, column: column + 1 };
}

interface Member {
  start: number;
  /** Where the member's value starts: after `key:` in an object, the element itself in an array. */
  valueStart: number | undefined;
}

/** The member `segment` (a key of the object, or an index of the array) of the literal opening at `open`; the last one when a key repeats, as JavaScript keeps. */
function findMember(text: string, open: number, segment: string | number): Member | undefined {
  const isObject = text[open] === '{';
  let found: Member | undefined;
  let index = 0;
  let i = open + 1;
  for (;;) {
    i = skipTrivia(text, i);
    if (i >= text.length || text[i] === '}' || text[i] === ']') return found;
    const start = i;
    if (isObject) {
      const key = readKey(text, start);
      if (key && key.name === segment) {
        const after = skipTrivia(text, key.end);
        found = { start, valueStart: text[after] === ':' ? skipTrivia(text, after + 1) : undefined };
      }
    } else if (index === segment) {
      return { start, valueStart: start };
    }
    index++;
    i = skipValue(text, start);
    if (text[i] !== ',') return found;
    i++;
  }
}

function readKey(text: string, i: number): { name: string; end: number } | undefined {
  const quote = text[i];
  if (quote === '"' || quote === "'") {
    const end = skipString(text, i);
    return { name: text.slice(i + 1, end - 1), end };
  }
  const identifier = /^[A-Za-z_$][\w$]*|^\d+/.exec(text.slice(i, i + 200));
  return identifier ? { name: identifier[0], end: i + identifier[0].length } : undefined;
}

/** From a member's start to the `,` or closing bracket that ends it. */
function skipValue(text: string, i: number): number {
  while (i < text.length && !',}])'.includes(text[i]!)) i = skipToken(text, i);
  return i;
}

/** Past one string, comment, bracketed group (with everything inside), or single character. */
function skipToken(text: string, i: number): number {
  const c = text[i]!;
  if (c === '"' || c === "'" || c === '`') return skipString(text, i);
  if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return skipTrivia(text, i);
  if (c === '{' || c === '[' || c === '(') {
    let j = i + 1;
    while (j < text.length && !'}])'.includes(text[j]!)) j = skipToken(text, j);
    return j + 1;
  }
  return i + 1;
}

function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === quote) return j + 1;
    else if (quote === '`' && c === '$' && text[j + 1] === '{') j = skipToken(text, j + 1);
    else if (c === '\n' && quote !== '`') return j; // unterminated: stop at the line's end
    else j++;
  }
  return j;
}

function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      return i;
    }
  }
}

function offsetAt(text: string, line: number, column: number): number | undefined {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const newline = text.indexOf('\n', offset);
    if (newline === -1) return undefined;
    offset = newline + 1;
  }
  return offset + column - 1;
}

// ---------------------------------------------------------------------------------------------------
// Resolving the run's numbers

/** How virtual users are started: a fixed number, ramp stages, or a fixed arrival rate. */
export type LoadModel =
  /** `users` users, started at `spawnRate` per second, kept until the end. */
  | { kind: 'closed'; users: number; spawnRate: number }
  /** Ramps linearly from the previous stage's target (0 at first) to each `target` over `durationMs`. */
  | { kind: 'stages'; stages: { durationMs: number; target: number }[] }
  /** Starts `arrivalRate` iterations per second whatever the latency, with at most `maxUsers` at once. */
  | { kind: 'open'; arrivalRate: number; maxUsers: number };

export type ResolvedWait =
  | { kind: 'none' }
  | { kind: 'between'; minMs: number; maxMs: number }
  | { kind: 'constant'; ms: number }
  | { kind: 'constantPacing'; ms: number };

/** A scenario's options made concrete for one run: every duration in ms, every rate per second. */
export interface ResolvedRunOptions {
  /** Base URL for relative paths; undefined when the scenario requests absolute URLs only. */
  host: string | undefined;
  load: LoadModel;
  /** The whole run, from the first user started to the stop (the sum of the stages when they set it). */
  runTimeMs: number;
  /** Iterations per virtual user, when the run ends after them (closed model only); undefined: run for the run time. */
  iterations?: number;
  wait: ResolvedWait;
  gracefulStopMs: number;
  /** Default per-request timeout. */
  timeoutMs: number;
  /** Default cap on the bytes of a response body kept in memory (the rest is counted and discarded). */
  maxBodyBytes: number;
  thresholds: Readonly<Record<string, string>>;
  /** Set for `--shard i/N`: the load model stays the whole plan's, and the runner takes this shard's share of it. */
  shard?: Shard;
}

/** The run cannot start: every problem, each naming the option or flag it is about. */
export class RunOptionsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'RunOptionsError';
    this.problems = problems;
  }
}

/**
 * Merges a scenario's options with this run's overrides (which win) and the defaults shared with the
 * editor ({@link RUN_DEFAULTS}: 1 user at 1 per second for 30 s, gracefulStop 5s, timeout 30s; no wait).
 * A `users` with no `spawnRate` starts them all within the first second. An explicit `users` override runs the closed model with that many users even when the
 * scenario ramps with stages or sets an arrival rate; a `runTime` override also cuts or extends stages.
 * Throws {@link RunOptionsError} listing every problem, the overrides' named by their flag
 * ("--users: must be a positive integer, got 'abc'").
 */
export function resolveRunOptions(options: ScenarioOptions, overrides: RunOverrides = {}): ResolvedRunOptions {
  const problems = findProblems(options, {}).map(p => p.message);
  const users = overrideNumber('--users', overrides.users, isPositiveInteger, 'a positive integer', problems);
  const spawnRate = overrideNumber('--spawn-rate', overrides.spawnRate, isPositiveNumber, 'a number of users per second above 0', problems);
  let runTimeMs: number | undefined;
  if (overrides.runTime !== undefined && overrides.runTime !== '') {
    const parsed = tryParseDuration(overrides.runTime);
    if (!parsed.ok) problems.push(`--run-time: ${parsed.message}`);
    else if (parsed.ms === 0) problems.push(`--run-time: must be longer than 0, got ${describeValue(overrides.runTime)}`);
    else if (parsed.ms > MAX_TIMER_MS) problems.push(tooLongForTimers('--run-time', overrides.runTime));
    else runTimeMs = parsed.ms;
  }
  const iterations = overrideNumber('--iterations', overrides.iterations, isPositiveInteger, 'a positive integer', problems);
  let shard: Shard | undefined;
  if (overrides.shard !== undefined && overrides.shard !== '') {
    const parsed = parseShard(overrides.shard);
    if ('problem' in parsed) problems.push(`--shard: ${parsed.problem}`);
    else shard = parsed;
  }
  const host = overrides.host === undefined || overrides.host === '' ? options.host : overrides.host;
  if (overrides.host) {
    const problem = hostProblem(overrides.host);
    if (problem) problems.push(`--host: ${problem}`);
  }
  if (spawnRate !== undefined && users === undefined && (options.stages || options.arrivalRate !== undefined)) {
    problems.push(`--spawn-rate: applies to a fixed number of users, but the scenario uses ${options.stages ? 'stages' : 'arrivalRate'}: pass --users too`);
  }
  if (iterations !== undefined && users === undefined && (options.stages || options.arrivalRate !== undefined)) {
    problems.push(`--iterations: applies to a fixed number of users, but the scenario uses ${options.stages ? 'stages' : 'arrivalRate'}: pass --users too`);
  }
  if (problems.length > 0) throw new RunOptionsError(problems);

  let load: LoadModel;
  if (users === undefined && options.stages) {
    const stages = options.stages.map(s => ({ durationMs: msOf(s.duration), target: s.target }));
    load = { kind: 'stages', stages };
    runTimeMs ??= stages.reduce((sum, s) => sum + s.durationMs, 0);
    if (runTimeMs > MAX_TIMER_MS) {
      throw new RunOptionsError([`stages: together they last ${formatDuration(runTimeMs)}, longer than the engine's timers can hold; the longest run is ${formatDuration(MAX_TIMER_MS)} (about 24.8 days)`]);
    }
  } else if (users === undefined && options.arrivalRate !== undefined) {
    load = { kind: 'open', arrivalRate: options.arrivalRate, maxUsers: options.maxUsers! };
  } else {
    const usersSet = users ?? options.users;
    const closedUsers = usersSet ?? RUN_DEFAULTS.users;
    load = { kind: 'closed', users: closedUsers, spawnRate: spawnRate ?? options.spawnRate ?? (usersSet === undefined ? RUN_DEFAULTS.spawnRate : closedUsers) };
  }
  // With iterations the run ends when the users are done: the scenario's own run time is for a load run
  // and would cut an iteration paused in a debugger; only --run-time caps it then.
  if (iterations !== undefined) runTimeMs ??= ITERATIONS_RUN_TIME_CAP_MS;
  return {
    host,
    load,
    ...(iterations !== undefined ? { iterations } : {}),
    runTimeMs: runTimeMs ?? msOf(options.runTime ?? RUN_DEFAULTS.runTime),
    wait: resolveWait(options.wait),
    gracefulStopMs: msOf(options.gracefulStop ?? RUN_DEFAULTS.gracefulStop),
    timeoutMs: msOf(options.timeout ?? RUN_DEFAULTS.timeout),
    thresholds: { ...options.thresholds },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    ...(shard ? { shard } : {}),
  };
}

/** With --iterations and no --run-time, the run still ends after a day (a forgotten debug session). */
export const ITERATIONS_RUN_TIME_CAP_MS = 24 * 60 * 60 * 1000;

function overrideNumber(
  flag: string,
  value: number | string | undefined,
  valid: (n: unknown) => n is number,
  expected: string,
  problems: string[],
): number | undefined {
  if (value === undefined || value === '') return undefined;
  // Number('') and Number(' ') are 0 and Number('0x10') is 16: accept only plain decimals from text.
  const parsed = typeof value === 'number' ? value : /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (valid(parsed)) return parsed;
  problems.push(`${flag}: must be ${expected}, got ${describeValue(value)}`);
  return undefined;
}

/** Milliseconds of a duration already validated. */
function msOf(duration: DurationInput): number {
  const parsed = tryParseDuration(duration);
  if (!parsed.ok) throw new Error(`unreachable: ${parsed.message}`);
  return parsed.ms;
}

function resolveWait(wait: ScenarioOptions['wait']): ResolvedWait {
  switch (wait?.kind) {
    case undefined:
      return { kind: 'none' };
    case 'between':
      return { kind: 'between', minMs: wait.minSeconds * 1000, maxMs: wait.maxSeconds * 1000 };
    case 'constant':
      return { kind: 'constant', ms: wait.seconds * 1000 };
    case 'constantPacing':
      return { kind: 'constantPacing', ms: wait.seconds * 1000 };
  }
}
