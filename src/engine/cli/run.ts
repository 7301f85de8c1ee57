/**
 * `loadlens run FILE`: a scenario's users in a worker thread of this process (run/coordinator.ts), or in
 * N worker processes (`--workers`, run/workers.ts), with this process's outputs and the signal ladder.
 */
import inspector from 'node:inspector';
import os from 'node:os';
import type { RunSpec } from '../../shared/run.ts';
import { formatDiagnostic } from '../../shared/report.ts';
import { RUN_DEFAULTS } from '../../shared/run-defaults.ts';
import { NdjsonOutput } from '../outputs/ndjson.ts';
import type { Output } from '../outputs/output.ts';
import { TerminalOutput } from '../outputs/terminal.ts';
import type { Runner } from '../run/runner.ts';
import { runSession, stopOnSignals, type InternalError } from '../run/session.ts';
import { Coordinator, type CoordinatedResult } from '../run/coordinator.ts';
import { ENGINE_NODE_FLAGS } from '../../shared/engine-flags.ts';
import { parseWorkers, resolveWorkers, workersProblem } from '../../shared/workers.ts';
import { WorkerProcesses } from '../run/workers.ts';
import { formatShard, parseShard, runIdProblem } from '../run/shard.ts';
import { EXIT, describeInternalError, exitCodeOf, parseCommand, reportFilesOption, reportOutputs, traceLinkOption, runOverridesFrom, LOAD_FLAGS } from './common.ts';
import { COMPARE_USAGE } from './compare.ts';
import { receiverOptions, RECEIVER_USAGE, startRunReceiver } from './receiver-flags.ts';
import { MERGE_USAGE } from './merge.ts';

export const USAGE = `Usage: loadlens run FILE [options]
       loadlens check FILE [--json]
       loadlens test [FILES|DIRS|GLOBS…] [options]   (every scenario as a test, one after another; see loadlens test --help)
       loadlens compare BASE.json NEW.json [--max-regression LIMITS] [--json]   (see loadlens compare --help)
       loadlens merge SHARD.json… [--report PATH] [--json]                      (see loadlens merge --help)
       loadlens k8s FILE --shards N [options]   (a Kubernetes Job for a distributed run; see loadlens k8s --help)

check compiles and validates every scenario in FILE without running it: it prints each problem as
file:line:column: message (--json: one JSON object with the scenarios and the diagnostics) and exits 0
when the file is valid, 2 when it is not.

Runs a scenario from a *.load.ts|js|mjs file and prints live stats, then a summary.

Options:
  --scenario NAME     the scenario to run (its export name); needed when the file has several
  -u, --users N       number of concurrent virtual users (closed model); default ${RUN_DEFAULTS.users}
  -r, --spawn-rate R  users started per second; default: all of them within the first second
  -t, --run-time T    how long to run, e.g. 30s, 10m, 1h; default ${RUN_DEFAULTS.runTime}
  -H, --host URL      base URL for the scenario's relative paths, e.g. http://127.0.0.1:8080
  -i, --iterations N  each user runs the scenario N times, then the run ends (e.g. --users 1
                      --iterations 1 to try a scenario once); --run-time, if given, still caps it
  -w, --workers N     run the load in N worker processes (one core each), worker i running shard i/N
                      of the users, merged live into one table and one report; 'auto': one per core
                      (${os.availableParallelism()} here); default ${RUN_DEFAULTS.workers}
  --headless          no live table: a progress line every 10 s (the default when stdout is not a terminal)
  --json              print one NDJSON snapshot a second and the report as the last line, instead of tables
  --report PATH       write the report to PATH (.json or .html); may be given twice
  --otel              export a span per request and metrics over OTLP, configured by the standard
                      OTEL_* variables (default endpoint http://localhost:4318, http/protobuf);
                      each request carries a W3C traceparent your application can continue
  --trace-link T      print trace ids as links (terminal and HTML report), the editor's presets or
                      a URL template (default: $LOADLENS_TRACE_LINK), e.g.
                        jaeger:baseUrl=http://localhost:16686
                        tempo:baseUrl=http://localhost:3000,grafanaDatasource=tempo
                        honeycomb:honeycombTeam=acme,honeycombEnvironment=test
                        splunk:splunkRealm=us1     datadog:datadogSite=datadoghq.eu
                        zipkin|signoz|elastic|aspire:baseUrl=URL
                        http://127.0.0.1:16686/trace/{traceId}
                      placeholders {traceId} {spanId} {startMs} {endMs} {service} {runId}
${RECEIVER_USAGE}
  --shard i/N         run shard i (0-based) of N: its share of the users, spawn rate, stages and
                      arrivals, so N shards started anywhere add up to exactly the plan
                      (default: $LOADLENS_SHARD); merge their JSON reports with loadlens merge
  --insecure-skip-tls-verify
                      accept any TLS certificate (self-signed, expired, another host's); the
                      summary warns. For test environments only
  --ca-file PATH      a PEM file of CA certificates trusted besides Node's own (NODE_EXTRA_CA_CERTS
                      does the same for every Node program)
  --run-id ID         the run id every span, metric and report carries (default: $LOADLENS_RUN_ID,
                      else a new UUID); give all shards of one plan the same one
  -h, --help          show this help
  -v, --version       show the version

Stopping: Ctrl+C (or SIGTERM) once stops gracefully (in-flight iterations get the grace period);
twice cancels in-flight requests (counted as failures 'cancelled at stop'); three times also cuts
the telemetry flush short. The report is written every time.

Exit code: 0 passed, 1 a threshold failed (never for a --shard run: its share alone decides
nothing, the merge does), 2 the scenario or the arguments are invalid,
3 an internal error in Loadlens (a bug) or a report could not be written, 4 the users were
stopped by force (stuck in a synchronous loop, out of memory, or not answering a stop) or a worker
process ended before the run did (--workers: the report keeps what it had sent); the report is
written in every case but 2.

${COMPARE_USAGE}

${MERGE_USAGE}`;

export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('run', args, {
    scenario: { type: 'string' },
    ...LOAD_FLAGS,
    headless: { type: 'boolean' },
    json: { type: 'boolean' },
    report: { type: 'string', multiple: true },
    'trace-link': { type: 'string' },
    otel: { type: 'boolean' },
    shard: { type: 'string' },
    'run-id': { type: 'string' },
    receiver: { type: 'string' },
    forward: { type: 'string' },
    'span-quiet': { type: 'string' },
    'span-wait': { type: 'string' },
    'insecure-skip-tls-verify': { type: 'boolean' },
    'ca-file': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, { count: 1, what: 'one scenario file' }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const workers = parseWorkers(values.workers ?? RUN_DEFAULTS.workers);
  if (workers === undefined) {
    process.stderr.write(`loadlens run: --workers ${workersProblem(values.workers)}, got '${values.workers}'\n`);
    return EXIT.invalid;
  }
  const overrides = runOverridesFrom(values);
  // A flag wins over its variable (the variables are for containers: a Job's pod template sets them).
  const shardText = values.shard ?? (process.env.LOADLENS_SHARD || undefined);
  if (shardText !== undefined) {
    const shard = parseShard(shardText);
    if ('problem' in shard) {
      process.stderr.write(`loadlens run: ${values.shard !== undefined ? '--shard' : 'LOADLENS_SHARD'}: ${shard.problem}\n`);
      return EXIT.invalid;
    }
    overrides.shard = formatShard(shard);
  }
  if (shardText !== undefined && resolveWorkers(workers, os.availableParallelism()) > 1) {
    process.stderr.write(`loadlens run: --workers ${values.workers} runs shards of its own; it cannot be combined with ${values.shard !== undefined ? '--shard' : 'LOADLENS_SHARD'} (run each shard with --workers 1)\n`);
    return EXIT.invalid;
  }
  const runId = values['run-id'] ?? (process.env.LOADLENS_RUN_ID || undefined);
  const runIdIssue = runId === undefined ? undefined : runIdProblem(runId);
  if (runIdIssue) {
    process.stderr.write(`loadlens run: ${values['run-id'] !== undefined ? '--run-id' : 'LOADLENS_RUN_ID'}: ${runIdIssue}\n`);
    return EXIT.invalid;
  }
  const traceLink = traceLinkOption('run', values['trace-link']);
  if (typeof traceLink === 'number') return traceLink;
  // {service} in a trace link: the service.name the engine exports under (OTEL_SERVICE_NAME wins, as in telemetry).
  const service = process.env.OTEL_SERVICE_NAME || 'loadlens';
  // Before the first user starts: a report that cannot be written is found now, not after the run.
  const reportFiles = await reportFilesOption('run', values.report ?? []);
  if (typeof reportFiles === 'number') return reportFiles;
  const receiving = receiverOptions(values);
  if (typeof receiving === 'number') return receiving;
  const receiver = receiving === undefined ? undefined : await startRunReceiver(receiving, values.otel === true);
  if (typeof receiver === 'number') return receiver;

  const allOutputs = (): Output[] => {
    const list: Output[] = [];
    if (values.json) list.push(new NdjsonOutput(process.stdout));
    else {
      const stream = values.headless ? Object.assign(Object.create(process.stdout) as NodeJS.WriteStream, { isTTY: false }) : process.stdout;
      list.push(new TerminalOutput(stream, { traceLink, service, reportFiles }));
    }
    list.push(...reportOutputs(reportFiles, { traceLink, service }));
    return list;
  };
  const outputs = receiver ? receiver.wrapOutputs(allOutputs, line => process.stderr.write(`${line}\n`)) : allOutputs;
  const onInternalError = (fault: InternalError) => process.stderr.write(`\n${describeInternalError(fault)}\n`);
  const onFirstSignal = (signal: string) => {
    // Past the load, a Ctrl+C only ends the wait for late spans (the receiver says so).
    if (!values.json && !receiver?.waiting) process.stderr.write(`\n${signal}: stopping (in-flight requests get the grace period; again to cancel them now, a third time to skip the telemetry flush)…\n`);
  };
  const spec: RunSpec = { file: positionals[0]!, scenario: values.scenario, overrides, otel: values.otel === true, workers, ...(runId ? { runId } : {}) };
  let result: UsersResult;
  try {
    result = await runUsers(spec, outputs, onInternalError, {
      onFirstSignal, onWorkerLost: message => process.stderr.write(`\nloadlens: ${message}\n`),
    });
  } finally {
    await receiver?.close();
  }
  if (!result.ok) {
    process.stderr.write(`${[...result.diagnostics.map(formatDiagnostic), ...result.problems].join('\n')}\n`);
    return EXIT.invalid;
  }
  for (const problem of result.outputErrors) process.stderr.write(`loadlens: could not write a report: ${problem}\n`);
  return exitCodeFor(result);
}

/**
 * Whether the users run in this thread: under a debugger (the editor's Debug lens: one user, one
 * iteration, breakpoints in the scenario, which an inspector attached to this thread must see), or with
 * LOADLENS_USERS_IN_PROCESS=1 (to measure what the worker costs: `npm run bench`, section 7).
 */
export const usersInProcess = () => process.env.LOADLENS_USERS_IN_PROCESS === '1' || inspector.url() !== undefined;

/** The users worker's heap limit from LOADLENS_USERS_HEAP_MB, when set to a whole number ≥ 64. */
export function heapLimitFromEnv(): number | undefined {
  const value = process.env.LOADLENS_USERS_HEAP_MB;
  if (value === undefined || value === '') return undefined;
  const mb = Number(value);
  return Number.isInteger(mb) && mb >= 64 ? mb : undefined;
}

/** The result of a run, whichever thread ran the users. */
export type UsersResult = CoordinatedResult;

/** How runUsers runs the users, besides the run and its outputs. */
export interface RunUsersOptions {
  onFirstSignal?: (signal: string) => void;
  /** Receives a function that stops the run (the extension's stop message). */
  onStopper?: (stop: () => void) => void;
  /** A worker process ended before the run did (`--workers`): said at once, and in the report. */
  onWorkerLost?: (message: string) => void;
}

/**
 * Node options of a worker process: the engine's own (ENGINE_NODE_FLAGS, as the bin's shebang and the
 * extension's fork pass them) and this process's, but never the inspector's (its port is taken).
 */
export function workerExecArgv(): string[] {
  const inherited = process.execArgv.filter(flag => !/^--(inspect|debug)/.test(flag));
  return [...new Set([...ENGINE_NODE_FLAGS, ...inherited])];
}

/**
 * Runs the users of `spec` in a worker thread (see coordinator.ts), or in N worker processes with
 * `spec.workers` > 1 (see run/workers.ts), the signals escalating: first stop, second cancel, third cut
 * the telemetry flush, fourth end at once.
 */
export async function runUsers(
  spec: RunSpec,
  outputs: () => Output[],
  onInternalError: (fault: InternalError) => void,
  { onFirstSignal, onStopper, onWorkerLost }: RunUsersOptions = {},
): Promise<UsersResult> {
  const processes = resolveWorkers(spec.workers ?? RUN_DEFAULTS.workers, os.availableParallelism());
  if (processes === 1 && usersInProcess()) {
    let runner: Runner | undefined;
    const removeSignals = stopOnSignals(() => runner, onFirstSignal);
    onStopper?.(() => runner?.stop('stop-requested'));
    try {
      const result = await runSession({ ...spec, outputs, onRunner: r => (runner = r), onInternalError });
      return result.ok ? { ok: true, report: result.report, internalErrors: result.internalErrors, outputErrors: result.runner.outputErrors } : result;
    } finally {
      removeSignals();
    }
  }
  const coordinator = processes > 1
    ? new WorkerProcesses({ session: spec, count: processes, entry: process.argv[1]!, execArgv: workerExecArgv(), outputs, onInternalError, onWorkerLost })
    : new Coordinator({
      session: spec, outputs, onInternalError, workerFile: process.argv[1]!, heapLimitMb: heapLimitFromEnv(),
      stuckAfterMs: Number(process.env.LOADLENS_STUCK_AFTER_MS) || undefined,
    });
  onStopper?.(() => coordinator.stop('stop-requested'));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      onFirstSignal?.(signal);
      coordinator.stop('signal');
    } else if (signals === 2) coordinator.cancel();
    else if (signals === 3) coordinator.abortFlush();
    else coordinator.forceEnd();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await coordinator.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function exitCodeFor(result: Extract<UsersResult, { ok: true }>): number {
  if (result.aborted) return EXIT.aborted;
  if (result.internalErrors.length > 0 || result.outputErrors.length > 0) return EXIT.internalError;
  return exitCodeOf(result.report);
}
