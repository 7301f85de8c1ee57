/**
 * One run from a file to a report, shared by the CLI and the extension's child process: load and
 * validate the scenario file, pick the scenario, resolve its options against the overrides, run it,
 * and make sure a stop signal, a stop message or a stray error in scenario code still ends in a report.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunDefaults, RunSpec, StopReason } from '../../shared/run.ts';
import type { Diagnostic, RunReport, SourceLocation } from '../../shared/report.ts';
import { loadScenarioFile, userLocation, type LoadedScenario } from '../scenario/loader.ts';
import { checkThreshold } from '../scenario/threshold-check.ts';
import type { Output } from '../outputs/output.ts';
import { Runner } from './runner.ts';
import { formatShard } from './shard.ts';
import { describeThrown, safeInstanceOf } from '../scenario/user-values.ts';
import { tlsConnectOptions, type TlsConnectOptions } from './http-connections.ts';
import type { Telemetry } from '../telemetry/types.ts';
import type { ScenarioOptions } from '../api/types.ts';
import { resolveRunOptions, RunOptionsError, type ResolvedRunOptions } from '../scenario/run-options.ts';

/** A run in this thread: what to run, and where its numbers and its runner go. */
export interface SessionRequest extends RunSpec {
  /** Outputs built once the run's options are known. */
  outputs: (run: ResolvedRunOptions) => Output[];
  /** Receives the runner once it exists, so a stop message can reach it. */
  onRunner?: (runner: Runner) => void;
  /**
   * Called at once with an engine fault: an exception that reached the process from Loadlens's own
   * code (the engine, an output) rather than from the scenario. The run is then stopped and its report
   * still written; the fault is also in the result's `internalErrors`.
   */
  onInternalError?: (error: InternalError) => void;
}

/** A fault in Loadlens itself, not in the user's scenario: what failed, and its stack for the bug report. */
export interface InternalError {
  message: string;
  stack: string;
}

/**
 * The run's report, or why it did not start: `diagnostics` point into the user's files, `problems` are
 * about the environment (an OTEL_* variable), each naming what to fix.
 */
export type SessionResult =
  | { ok: true; report: RunReport; runner: Runner; internalErrors: InternalError[] }
  | { ok: false; diagnostics: Diagnostic[]; problems: string[] };

/** How many internal errors a run keeps and reports; later ones are the same fault repeating. */
const MAX_INTERNAL_ERRORS = 10;


/** Loads, validates and runs; never throws for a problem in the user's input (that is a Diagnostic). */
export async function runSession(request: SessionRequest): Promise<SessionResult> {
  const file = path.resolve(request.file);
  const loaded = await loadScenarioFile(file, { checkThreshold });
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics, problems: [] };
  const picked = pickScenario(loaded.scenarios, request.scenario, file);
  if ('diagnostic' in picked) return { ok: false, diagnostics: [picked.diagnostic], problems: [] };

  let run: ResolvedRunOptions;
  try {
    run = resolveRunOptions(withDefaults(picked.definition.options, request.defaults), request.overrides);
  } catch (error) {
    if (!(error instanceof RunOptionsError)) throw error;
    const at = picked.location ?? { file, line: 1, column: 1 };
    return { ok: false, diagnostics: error.problems.map(message => ({ ...at, message })), problems: [] };
  }
  if (run.host === undefined) {
    const at = picked.location ?? { file, line: 1, column: 1 };
    return { ok: false, diagnostics: [{ ...at, message: `scenario '${picked.exportName}' has no host: set host in its options or pass --host http://127.0.0.1:8080` }], problems: [] };
  }

  const tls = await runTls(run, file);
  if ('problem' in tls) {
    const at = picked.location ?? { file, line: 1, column: 1 };
    return { ok: false, diagnostics: [{ ...at, message: tls.problem }], problems: [] };
  }

  const runId = request.runId ?? randomUUID();
  // The active-users gauge reads the runner, which needs the telemetry first.
  const started: { runner?: Runner } = {};
  let telemetry: Telemetry | undefined;
  if (request.otel) {
    // Loaded only for --otel: a run without it loads no OpenTelemetry code.
    const { startTelemetry, TelemetryConfigError } = await import('../telemetry/index.ts');
    try {
      telemetry = startTelemetry({
        runId, scenario: picked.exportName, file, serviceName: request.serviceName, activeUsers: () => started.runner?.activeUsers ?? 0,
        ...(run.shard ? { shard: formatShard(run.shard) } : {}),
      });
    } catch (error) {
      if (error instanceof TelemetryConfigError) return { ok: false, diagnostics: [], problems: [...error.problems] };
      throw error;
    }
  }
  const runner = new Runner({
    file, scenario: picked.exportName, definition: picked.definition, run, runId, telemetry,
    outputs: request.outputs(run),
    locate: error => userLocation(error, file),
    thresholdLocations: await thresholdLocations(picked.definition.options.thresholds, picked.location),
    tls: tls.options,
  });
  started.runner = runner;
  request.onRunner?.(runner);

  // Scenario code that forgets an await can reject or throw outside any iteration: count it where the
  // user wrote it instead of letting it end the process and lose the run. Only the user's code lands
  // there: an exception from the engine's or an output's own code is a Loadlens bug, reported as one.
  const internalErrors: InternalError[] = [];
  const stray = (error: unknown) => {
    const fault = internalFault(error, file);
    if (!fault) {
      runner.stats.recordIterationError(describeThrown(error), safeUserLocation(error, file));
      return;
    }
    // Bounded: a fault that repeats (an output failing on every tick until the stop) is one report.
    if (internalErrors.length >= MAX_INTERNAL_ERRORS) return;
    internalErrors.push(fault);
    request.onInternalError?.(fault);
    // The engine's state may be inconsistent: end the run now, while the report can still be written.
    runner.stop('error');
  };
  process.on('unhandledRejection', stray);
  process.on('uncaughtException', stray);
  try {
    const report = await runner.run();
    return { ok: true, report, runner, internalErrors };
  } finally {
    process.off('unhandledRejection', stray);
    process.off('uncaughtException', stray);
  }
}

/**
 * Whose an exception that escaped to the process is: the user's when its stack passes through the
 * scenario's files, or when it is not an Error at all (`Promise.reject('x')`: Loadlens only throws
 * Errors); otherwise Loadlens's own, returned as an InternalError.
 */
export function internalFault(error: unknown, scenarioFile: string): InternalError | undefined {
  if (!safeInstanceOf(error, Error) || safeUserLocation(error, scenarioFile) !== undefined) return undefined;
  return { message: `${error.name}: ${error.message}`, stack: error.stack ?? `${error.name}: ${error.message}` };
}

/** The run's TLS options, its CA file read (relative to the scenario's folder), or what is wrong with it. */
async function runTls(run: ResolvedRunOptions, scenarioFile: string): Promise<{ options: TlsConnectOptions } | { problem: string }> {
  const { caFile, insecureSkipVerify } = run.tls;
  if (!caFile) return { options: tlsConnectOptions({ insecureSkipVerify }) };
  const where = path.resolve(path.dirname(scenarioFile), caFile.path);
  let ca: string;
  try {
    ca = await readFile(where, 'utf8');
  } catch (error) {
    return { problem: `${caFile.option}: cannot read '${where}': ${(error as NodeJS.ErrnoException).code ?? describeThrown(error)}` };
  }
  try {
    return { options: tlsConnectOptions({ insecureSkipVerify, ca }) };
  } catch (error) {
    return { problem: `${caFile.option}: '${where}' ${describeThrown(error)}` };
  }
}

/** `userLocation`, for a value that may throw when inspected (a Proxy): then it has none. */
function safeUserLocation(error: unknown, file: string): string | undefined {
  try {
    return userLocation(error, file);
  } catch {
    return undefined;
  }
}

/**
 * The scenario's options with `defaults` filling what it leaves unset. Users and spawn rate only apply
 * to a scenario on the closed model (no stages, no arrival rate).
 */
export function withDefaults(options: ScenarioOptions, defaults: RunDefaults | undefined): ScenarioOptions {
  if (!defaults) return options;
  const closed = options.stages === undefined && options.arrivalRate === undefined;
  return {
    ...options,
    host: options.host ?? (defaults.host || undefined),
    runTime: options.runTime ?? (options.stages ? undefined : defaults.runTime),
    users: options.users ?? (closed ? defaults.users : undefined),
    spawnRate: options.spawnRate ?? (closed && options.users === undefined ? defaults.spawnRate : undefined),
  };
}

function pickScenario(scenarios: LoadedScenario[], wanted: string | undefined, file: string): LoadedScenario | { diagnostic: Diagnostic } {
  const names = scenarios.map(s => s.exportName);
  if (wanted !== undefined) {
    const found = scenarios.find(s => s.exportName === wanted);
    if (found) return found;
    return { diagnostic: { file, line: 1, column: 1, message: `no scenario named '${wanted}': the file exports ${names.map(n => `'${n}'`).join(', ')}` } };
  }
  if (scenarios.length === 1) return scenarios[0]!;
  return { diagnostic: { file, line: 1, column: 1, message: `the file exports ${scenarios.length} scenarios (${names.join(', ')}): choose one with --scenario NAME` } };
}

/**
 * First SIGINT/SIGTERM: graceful stop (in-flight iterations get the grace period). Second: cancel now
 * (in-flight requests counted as 'cancelled at stop'). Third: the telemetry flush ends now. Every way
 * the report is written. For a run in this thread (the CLI runs its users in a worker: cli/run.ts). Returns a function that removes the handlers.
 */
export function stopOnSignals(runner: () => Runner | undefined, onFirst?: (signal: string) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    const current = runner();
    count++;
    if (!current) process.exit(130);
    const reason: StopReason = 'signal';
    if (count === 1) {
      onFirst?.(signal);
      current.stop(reason);
    } else if (count === 2) {
      current.cancel(reason);
    } else {
      current.abortFlush();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Where each threshold's key is written in the `scenario(` call's options object (1-based), read once
 * before the run; keys the text does not show (options built elsewhere) are left out.
 */
async function thresholdLocations(thresholds: Readonly<Record<string, unknown>> | undefined, callSite: SourceLocation | undefined): Promise<Record<string, SourceLocation>> {
  const located: Record<string, SourceLocation> = {};
  const keys = Object.keys(thresholds ?? {});
  if (keys.length === 0 || !callSite) return located;
  const text = await readFile(callSite.file, 'utf8').catch(() => undefined);
  if (text === undefined) return located;
  // Loaded here, not at the top: the locator's parser is large and only a run with thresholds needs it.
  const { locateOption } = await import('../../shared/scenario-locator.ts');
  for (const key of keys) {
    const at = locateOption(text, callSite, ['thresholds', key]);
    // The deepest part found: only the key itself is the threshold's line, not the `thresholds` key.
    if (at && text.slice(offsetOf(text, at), offsetOf(text, at) + key.length + 2).replace(/^['"`]/, '').startsWith(key)) {
      located[key] = { file: callSite.file, line: at.line, column: at.column };
    }
  }
  return located;
}

function offsetOf(text: string, at: { line: number; column: number }): number {
  let offset = 0;
  for (let line = 1; line < at.line; line++) offset = text.indexOf('\n', offset) + 1;
  return offset + at.column - 1;
}
