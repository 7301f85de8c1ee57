/**
 * Entry of dist/engine.js and of the `loadlens` command.
 *   loadlens run FILE [flags]   run a scenario headless in this terminal (see `loadlens --help`)
 *   loadlens check FILE [--json] validate every scenario in a file without running it
 *   loadlens compare A B        compare two JSON reports; exit 1 on a regression (a CI gate)
 *   loadlens merge A B …        the reports of a run's shards (--shard i/N) into the whole run's report
 *   loadlens k8s FILE --shards N  print the YAML of a Kubernetes Indexed Job running N shards of a scenario
 *   loadlens ipc                the child the VS Code extension forks: typed messages over the IPC channel
 *   loadlens worker             one worker process of `run --workers N` (forked by it; see run/workers.ts)
 */
import inspector from 'node:inspector';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { assertNever, type EngineToHost, type HostToEngine, type RunOverrides } from '../shared/protocol.ts';
import { formatDiagnostic, type RunReport } from '../shared/report.ts';
import { RUN_DEFAULTS } from '../shared/run-defaults.ts';
import { checkScenarioFile } from './scenario/check.ts';
import { useBundledEsbuild } from './scenario/esbuild-binary.ts';
import { HtmlReportOutput } from './outputs/report-html.ts';
import { JsonReportOutput } from './outputs/report.ts';
import { NdjsonOutput } from './outputs/ndjson.ts';
import type { Output } from './outputs/output.ts';
import { TerminalOutput } from './outputs/terminal.ts';
import type { Runner } from './run/runner.ts';
import { runSession, stopOnSignals, type InternalError } from './run/session.ts';
import { isMainThread, workerData } from 'node:worker_threads';
import { Coordinator, type CoordinatedResult, type CoordinatorOptions } from './run/coordinator.ts';
import { reportPathProblem } from './outputs/report.ts';
import type { UsersWorkerData } from './run/users-protocol.ts';
import { runUsersWorker } from './run/users-worker.ts';
import { IpcOutput } from './outputs/ipc.ts';
import { comparableReports, compareRuns, DEFAULT_LIMITS, LimitsError, parseRegressionLimits, parseRunReport, ReportFileError } from '../shared/compare.ts';
import { formatComparison } from './outputs/compare-table.ts';
import { parseTraceLinkSpec, TraceLinkSettingError, traceLinkTemplate } from '../shared/trace-link.ts';
import { ENGINE_NODE_FLAGS } from '../shared/engine-flags.ts';
import { parseWorkers, resolveWorkers, workersProblem, type WorkersSetting } from '../shared/workers.ts';
import { WorkerProcesses } from './run/workers.ts';
import { runWorkerProcess } from './run/worker-process.ts';
import { formatShard, parseShard, runIdProblem } from './run/shard.ts';
import { MergeError, mergeShardReports, parseShardReportText, type ShardReportFile } from './run/merge.ts';

declare const __LOADLENS_VERSION__: string | undefined;
export const ENGINE_VERSION = typeof __LOADLENS_VERSION__ === 'string' ? __LOADLENS_VERSION__ : 'dev';

/**
 * Exit codes: the run passed; a threshold failed; the scenario or the arguments are invalid; Loadlens
 * itself failed (a bug: the report is still written when the run got that far) or a report could not
 * be written; the users were stopped by force (a scenario stuck in a synchronous loop, out of memory,
 * or Ctrl+C three times with the worker not answering): the report has what was measured until then.
 */
export const EXIT = { passed: 0, thresholdFailed: 1, invalid: 2, internalError: 3, aborted: 4 } as const;

const COMPARE_USAGE = `loadlens compare BASE.json NEW.json [--max-regression LIMITS] [--json]

Compares two JSON reports of the same scenario (--report run.json, or the editor's .loadlens/runs/):
per request name the change of p50, p95, p99, RPS and error rate, and which changes are regressions.
A change is a regression when it is beyond a relative AND an absolute margin; defaults:
latencies ${pct(DEFAULT_LIMITS.p95.relative)} and ${DEFAULT_LIMITS.p95.absolute} ms, RPS drop ${pct(DEFAULT_LIMITS.rps.relative)} and ${DEFAULT_LIMITS.rps.absolute}/s, error rate ${pct(DEFAULT_LIMITS.errorRate.relative)} and ${DEFAULT_LIMITS.errorRate.absolute} pp.

Options:
  --max-regression L  margins, comma-separated METRIC=VALUE (metrics p50 p95 p99 rps errorRate);
                      % sets the relative margin, ms|s|pp|/s the absolute one, e.g.
                        p95=10%,p95=20ms,errorRate=0.5pp,rps=5/s
  --json              print the comparison as JSON instead of a table

Exit code: 0 no regression, 1 a regression beyond the margins, 2 a file is unreadable, not a
Loadlens report, or of another scenario than the other.`;

const MERGE_USAGE = `loadlens merge SHARD.json… [--report PATH] [--json] [--trace-link T]

Merges the reports of one run's shards (loadlens run --shard i/N --run-id ID, in N processes or the
pods of a Kubernetes Job) into the report of the whole run, as if one process had run it: counts are
the sums, percentiles come from the merged histograms, the per-second timeline is aligned by
wall-clock time, and the scenario's thresholds are evaluated again on the whole run. Prints the
summary loadlens run prints.

Each file is a shard's JSON report (--report shard.json) or the output of loadlens run --json (e.g.
kubectl logs of a pod), whose last non-empty line is the report.

Options:
  --report PATH       write the merged report to PATH (.json or .html); may be given twice
  --json              print the merged report as one NDJSON line ({"type":"report",...}), no summary
  --trace-link T      print trace ids as links, as loadlens run does (default: $LOADLENS_TRACE_LINK)

Shards that are missing are named in a warning and in the report's iteration errors.

Exit code: 0 passed, 1 a threshold failed on the whole run, 2 a file is unreadable, not a shard's
report, or the files do not belong together (another run id or scenario, a shard twice), 3 a report
could not be written.`;

function pct(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

const K8S_USAGE = `loadlens k8s FILE --shards N [--image IMG] [--namespace NS] [--otel-endpoint URL]
                              [--scenario NAME] [--run-id ID] [--name NAME]
                              [-H HOST] [-u USERS] [-r SPAWN_RATE] [-t RUN_TIME]

Prints the YAML of a distributed run for kubectl apply: a ConfigMap holding the scenario bundled to one
file, and an Indexed Job of N pods, pod i running loadlens run --shard i/N with one run id and --otel,
printing its JSON report as its last line. The YAML's first lines give the commands to collect the
reports and merge them (loadlens merge). The scenario is checked first, as loadlens check does.

Options:
  --shards N          the number of pods (shards of the load), 1 to 10000; required
  --image IMG         the image with the loadlens CLI (see the Dockerfile); default loadlens:VERSION
  --namespace NS      the namespace of the Job and ConfigMap; default: kubectl's current one
  --otel-endpoint URL OTLP/HTTP base URL the pods export to (OTEL_EXPORTER_OTLP_ENDPOINT); API
                      tokens go in a Secret instead, which the pods read when it exists:
                        kubectl create secret generic loadlens-otel \
                          --from-literal=OTEL_EXPORTER_OTLP_HEADERS='x-api-key=...'
  --scenario NAME     the scenario to run; needed when the file has several
  --run-id ID         the run id every shard exports as loadlens.run.id; default a new UUID
  --name NAME         the Job's and ConfigMap's name; default loadlens-SCENARIO-RUNID
  -H, --host URL      the target as the cluster reaches it (e.g. http://shop.default.svc:8080),
                      instead of the scenario's host; -u/--users, -r/--spawn-rate and
                      -t/--run-time likewise, for the whole plan (each pod runs its share)

Exit code: 0 the YAML is printed, 2 the scenario or the arguments are invalid.`;

const USAGE = `Usage: loadlens run FILE [options]
       loadlens check FILE [--json]
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
  --shard i/N         run shard i (0-based) of N: its share of the users, spawn rate, stages and
                      arrivals, so N shards started anywhere add up to exactly the plan
                      (default: $LOADLENS_SHARD); merge their JSON reports with loadlens merge
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

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'check':
      return checkCommand(rest);
    case 'ipc':
      return ipcCommand();
    case 'worker':
      return runWorkerProcess({ workerFile: process.argv[1]!, heapLimitMb: heapLimitFromEnv(), stuckAfterMs: Number(process.env.LOADLENS_STUCK_AFTER_MS) || undefined });
    case 'compare':
      return compareCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'k8s':
      return k8sCommand(rest);
    case '-v':
    case '--version':
      process.stdout.write(`loadlens ${ENGINE_VERSION} (node ${process.version})\n`);
      return EXIT.passed;
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.invalid : EXIT.passed;
    default:
      process.stderr.write(`loadlens: unknown command '${command}'\n\n${USAGE}\n`);
      return EXIT.invalid;
  }
}

/**
 * One command's arguments: its `options` (each declares `help`) and exactly `files.count` file
 * arguments (at least `files.atLeast`, when given instead). Returns them parsed, or the exit code once the usage (for --help) or the problem (with
 * the usage) is printed.
 */
function parseCommand<O extends ParseArgsOptionsConfig>(command: string, args: string[], options: O, files: ({ count: number } | { atLeast: number }) & { what: string }, usage: string) {
  const config = { args, allowPositionals: true as const, options };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    process.stderr.write(`loadlens ${command}: ${(error as Error).message}\n\n${usage}\n`);
    return EXIT.invalid;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    return EXIT.passed;
  }
  if ('count' in files ? parsed.positionals.length !== files.count : parsed.positionals.length < files.atLeast) {
    process.stderr.write(`loadlens ${command}: expected ${files.what}, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}\n\n${usage}\n`);
    return EXIT.invalid;
  }
  return parsed;
}

async function runCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('run', args, {
    scenario: { type: 'string' },
    users: { type: 'string', short: 'u' },
    'spawn-rate': { type: 'string', short: 'r' },
    'run-time': { type: 'string', short: 't' },
    host: { type: 'string', short: 'H' },
    iterations: { type: 'string', short: 'i' },
    workers: { type: 'string', short: 'w' },
    headless: { type: 'boolean' },
    json: { type: 'boolean' },
    report: { type: 'string', multiple: true },
    'trace-link': { type: 'string' },
    otel: { type: 'boolean' },
    shard: { type: 'string' },
    'run-id': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, { count: 1, what: 'one scenario file' }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const workers = parseWorkers(values.workers ?? RUN_DEFAULTS.workers);
  if (workers === undefined) {
    process.stderr.write(`loadlens run: --workers ${workersProblem(values.workers)}, got '${values.workers}'\n`);
    return EXIT.invalid;
  }
  // As typed: resolveRunOptions validates them and names the flag in its message.
  const overrides: RunOverrides = {
    ...(values.users !== undefined ? { users: values.users } : {}),
    ...(values['spawn-rate'] !== undefined ? { spawnRate: values['spawn-rate'] } : {}),
    ...(values['run-time'] !== undefined ? { runTime: values['run-time'] } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.iterations !== undefined ? { iterations: values.iterations } : {}),
  };
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

  const outputs = (): Output[] => {
    const list: Output[] = [];
    if (values.json) list.push(new NdjsonOutput(process.stdout));
    else {
      const stream = values.headless ? Object.assign(Object.create(process.stdout) as NodeJS.WriteStream, { isTTY: false }) : process.stdout;
      list.push(new TerminalOutput(stream, { traceLink, service, reportFiles }));
    }
    list.push(...reportOutputs(reportFiles, { traceLink, service }));
    return list;
  };
  const onInternalError = (fault: InternalError) => process.stderr.write(`\n${describeInternalError(fault)}\n`);
  const onFirstSignal = (signal: string) => {
    if (!values.json) process.stderr.write(`\n${signal}: stopping (in-flight requests get the grace period; again to cancel them now, a third time to skip the telemetry flush)…\n`);
  };
  const session = { file: positionals[0]!, scenario: values.scenario, overrides, otel: values.otel === true, ...(runId ? { runId } : {}) };
  const result = await runUsers(session, outputs, onInternalError, {
    workers, onFirstSignal, onWorkerLost: message => process.stderr.write(`\nloadlens: ${message}\n`),
  });
  if (!result.ok) {
    process.stderr.write(`${[...result.diagnostics.map(formatDiagnostic), ...result.problems].join('\n')}\n`);
    return EXIT.invalid;
  }
  for (const problem of result.outputErrors) process.stderr.write(`loadlens: could not write a report: ${problem}\n`);
  return exitCodeFor(result);
}

/**
 * The trace link template of `--trace-link` (else $LOADLENS_TRACE_LINK), undefined for none; or the
 * exit code once the problem is printed.
 */
function traceLinkOption(command: string, flag: string | undefined): string | undefined | number {
  const spec = flag ?? process.env.LOADLENS_TRACE_LINK ?? undefined;
  if (!spec) return undefined;
  try {
    return traceLinkTemplate(parseTraceLinkSpec(spec));
  } catch (error) {
    if (!(error instanceof TraceLinkSettingError)) throw error;
    const where = error.setting === '--trace-link' ? '' : ` ${error.setting === 'loadlens.otel.traceLink.template' ? 'the template' : error.key}`;
    process.stderr.write(`loadlens ${command}: --trace-link${where}: ${error.problem}\n`);
    return EXIT.invalid;
  }
}

/** `--report` paths: each must end in .json or .html and be writable; resolved, or the exit code once the problem is printed. */
async function reportFilesOption(command: string, reports: readonly string[]): Promise<string[] | number> {
  const badReport = reports.find(p => !/\.(json|html?)$/i.test(p));
  if (badReport) {
    process.stderr.write(`loadlens ${command}: --report: '${badReport}' must end in .json or .html\n`);
    return EXIT.invalid;
  }
  const files = reports.map(p => path.resolve(p));
  for (const file of files) {
    const problem = await reportPathProblem(file);
    if (problem) {
      process.stderr.write(`loadlens ${command}: --report: ${problem}\n`);
      return EXIT.invalid;
    }
  }
  return files;
}

/** The report files' outputs: JSON (with what a merge needs, for a shard) or the HTML page. */
function reportOutputs(files: readonly string[], html: { traceLink: string | undefined; service: string }): Output[] {
  return files.map(file => (/\.json$/i.test(file) ? new JsonReportOutput(file) : new HtmlReportOutput(file, html)));
}

/**
 * `loadlens merge`: the shard reports of one run into the whole run's report, printed as `run` prints
 * its summary and written to `--report` files. Exit code as a run's: 0 passed, 1 a threshold failed;
 * 2 for files that are unreadable or do not belong together.
 */
async function mergeCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('merge', args, {
    report: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'trace-link': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, { atLeast: 1, what: "the shards' report files" }, MERGE_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const traceLink = traceLinkOption('merge', values['trace-link']);
  if (typeof traceLink === 'number') return traceLink;
  const reportFiles = await reportFilesOption('merge', values.report ?? []);
  if (typeof reportFiles === 'number') return reportFiles;

  let merged;
  try {
    const shards = await Promise.all(positionals.map(async (file): Promise<ShardReportFile> => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new ReportFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      return { file, report: parseShardReportText(text, file) };
    }));
    merged = mergeShardReports(shards);
  } catch (error) {
    if (!(error instanceof ReportFileError) && !(error instanceof MergeError)) throw error;
    process.stderr.write(`loadlens merge: ${error.message}\n`);
    return EXIT.invalid;
  }
  for (const warning of merged.warnings) process.stderr.write(`loadlens merge: warning: ${warning}\n`);

  const service = process.env.OTEL_SERVICE_NAME || 'loadlens';
  const outputs: Output[] = [
    values.json ? new NdjsonOutput(process.stdout) : new TerminalOutput(process.stdout, { traceLink, service, reportFiles }),
    ...reportOutputs(reportFiles, { traceLink, service }),
  ];
  const written = await Promise.allSettled(outputs.map(output => output.stop(merged.report)));
  const problems = written.flatMap(result => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
  for (const problem of problems) process.stderr.write(`loadlens: could not write a report: ${problem}\n`);
  return problems.length > 0 ? EXIT.internalError : exitCodeOf(merged.report);
}

/**
 * Whether the users run in this thread: under a debugger (the editor's Debug lens: one user, one
 * iteration, breakpoints in the scenario, which an inspector attached to this thread must see), or with
 * LOADLENS_USERS_IN_PROCESS=1 (to measure what the worker costs: `npm run bench`, section 7).
 */
const usersInProcess = () => process.env.LOADLENS_USERS_IN_PROCESS === '1' || inspector.url() !== undefined;

/** The users worker's heap limit from LOADLENS_USERS_HEAP_MB, when set to a whole number ≥ 64. */
function heapLimitFromEnv(): number | undefined {
  const value = process.env.LOADLENS_USERS_HEAP_MB;
  if (value === undefined || value === '') return undefined;
  const mb = Number(value);
  return Number.isInteger(mb) && mb >= 64 ? mb : undefined;
}

/** The result of a run, whichever thread ran the users. */
type UsersResult = CoordinatedResult;

/** How runUsers runs the users, besides the session and its outputs. */
interface RunUsersOptions {
  /** Worker processes (`--workers`); 1 (the default): the users run in this process's worker thread. */
  workers?: WorkersSetting;
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
function workerExecArgv(): string[] {
  const inherited = process.execArgv.filter(flag => !/^--(inspect|debug)/.test(flag));
  return [...new Set([...ENGINE_NODE_FLAGS, ...inherited])];
}

/**
 * Runs the session's users in a worker thread (see coordinator.ts), or in N worker processes with
 * `workers` > 1 (see run/workers.ts), the signals escalating: first stop, second cancel, third cut the
 * telemetry flush, fourth end at once.
 */
async function runUsers(
  session: CoordinatorOptions['session'],
  outputs: () => Output[],
  onInternalError: (fault: InternalError) => void,
  { workers = RUN_DEFAULTS.workers, onFirstSignal, onStopper, onWorkerLost }: RunUsersOptions = {},
): Promise<UsersResult> {
  const processes = resolveWorkers(workers, os.availableParallelism());
  if (processes === 1 && usersInProcess()) {
    let runner: Runner | undefined;
    const removeSignals = stopOnSignals(() => runner, onFirstSignal);
    onStopper?.(() => runner?.stop('stop-requested'));
    try {
      const result = await runSession({ ...session, outputs, onRunner: r => (runner = r), onInternalError });
      return result.ok ? { ok: true, report: result.report, internalErrors: result.internalErrors, outputErrors: result.runner.outputErrors } : result;
    } finally {
      removeSignals();
    }
  }
  const coordinator = processes > 1
    ? new WorkerProcesses({ session, count: processes, entry: process.argv[1]!, execArgv: workerExecArgv(), outputs, onInternalError, onWorkerLost })
    : new Coordinator({
      session, outputs, onInternalError, workerFile: process.argv[1]!, heapLimitMb: heapLimitFromEnv(),
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

function exitCodeFor(result: Extract<UsersResult, { ok: true }>): number {
  if (result.aborted) return EXIT.aborted;
  if (result.internalErrors.length > 0 || result.outputErrors.length > 0) return EXIT.internalError;
  return exitCodeOf(result.report);
}

async function checkCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('check', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, { count: 1, what: 'one scenario file' }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const report = await checkScenarioFile(positionals[0]!);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    for (const d of report.diagnostics) process.stderr.write(`${formatDiagnostic(d)}${d.severity === 'warning' ? ' (warning)' : ''}\n`);
    if (report.ok) process.stdout.write(`${path.relative(process.cwd(), report.file) || report.file}: ${report.scenarios.length} scenario(s) valid: ${report.scenarios.map(s => s.name).join(', ')}\n`);
    else process.stderr.write(`${report.diagnostics.filter(d => d.severity === 'error').length} problem(s)\n`);
  }
  return report.ok ? EXIT.passed : EXIT.invalid;
}

/** `loadlens compare`: exit 0 when no metric regressed beyond the margins, 1 when one did, 2 for bad input. */
async function compareCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('compare', args, { 'max-regression': { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    { count: 2, what: 'two report files (BASE.json NEW.json)' }, COMPARE_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  let limits;
  try {
    limits = parseRegressionLimits((values['max-regression'] ?? []).join(','));
  } catch (error) {
    if (!(error instanceof LimitsError)) throw error;
    process.stderr.write(`loadlens compare: --max-regression ${error.message}\n`);
    return EXIT.invalid;
  }
  const [baseFile, nextFile] = positionals as [string, string];
  const read = async (file: string): Promise<RunReport> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ReportFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return parseRunReport(text, file);
  };
  let base: RunReport, next: RunReport;
  try {
    [base, next] = await Promise.all([read(baseFile), read(nextFile)]);
  } catch (error) {
    if (!(error instanceof ReportFileError)) throw error;
    process.stderr.write(`loadlens compare: ${error.message}\n`);
    return EXIT.invalid;
  }
  const mismatch = comparableReports(base, baseFile, next, nextFile);
  if (mismatch) {
    process.stderr.write(`loadlens compare: ${mismatch}\n`);
    return EXIT.invalid;
  }
  const comparison = compareRuns(base, next, limits);
  if (values.json) process.stdout.write(`${JSON.stringify(comparison)}\n`);
  else process.stdout.write(`${formatComparison(comparison, process.stdout.columns ?? 120, process.stdout.isTTY === true)}\n`);
  return comparison.regressions.length > 0 ? EXIT.thresholdFailed : EXIT.passed;
}

/** `loadlens k8s`: the YAML on stdout; exit 2 with the problem (the scenario's at file:line:column) on stderr. */
async function k8sCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('k8s', args, {
    shards: { type: 'string' }, image: { type: 'string' }, namespace: { type: 'string' }, 'otel-endpoint': { type: 'string' },
    scenario: { type: 'string' }, 'run-id': { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    host: { type: 'string', short: 'H' }, users: { type: 'string', short: 'u' }, 'spawn-rate': { type: 'string', short: 'r' }, 'run-time': { type: 'string', short: 't' },
  }, { count: 1, what: 'one scenario file' }, K8S_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const { k8sManifest } = await import('./k8s/index.ts');
  const result = await k8sManifest({
    file: positionals[0]!, shards: values.shards, image: values.image ?? `loadlens:${ENGINE_VERSION === 'dev' ? 'latest' : ENGINE_VERSION}`,
    namespace: values.namespace, otelEndpoint: values['otel-endpoint'], scenario: values.scenario, runId: values['run-id'], name: values.name,
    overrides: { host: values.host, users: values.users, spawnRate: values['spawn-rate'], runTime: values['run-time'] },
  });
  if (!result.ok) {
    if ('problem' in result) process.stderr.write(`loadlens k8s: ${result.problem}\n`);
    else process.stderr.write(`${result.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    return EXIT.invalid;
  }
  process.stdout.write(result.yaml);
  for (const warning of result.warnings) process.stderr.write(`loadlens k8s: warning: ${warning}\n`);
  const { name, shards, runId, otelEndpoint } = result.options;
  process.stderr.write(`loadlens k8s: Job ${name}, ${shards} shard(s), run id ${runId}; the YAML's first lines say how to collect and merge the reports${otelEndpoint === undefined ? `; no --otel-endpoint: the pods export to the Secret's OTEL_EXPORTER_OTLP_ENDPOINT, else localhost:4318` : ''}\n`);
  return EXIT.passed;
}

/** How an engine fault reads in a terminal or the editor's output channel: whose fault, what failed, the stack. */
export function describeInternalError(fault: InternalError): string {
  return `loadlens: internal error (a bug in Loadlens, not in your scenario; the run stops and its report is still written): ${fault.stack}`;
}

/**
 * A run's verdict from its thresholds. A shard's report (`--shard`, a pod, a worker) holds its share of
 * the load only, so its thresholds are shown but never fail it: `requests > 1000` or a p99 can only be
 * judged on the whole run, which `loadlens merge` (and the parent of `--workers`) evaluates. Otherwise a
 * Kubernetes Job would mark an index failed, and a CI gate fail, on a number no one asked about.
 */
export function exitCodeOf(report: RunReport): number {
  if (report.shard) return EXIT.passed;
  return report.thresholds.every(t => t.ok) ? EXIT.passed : EXIT.thresholdFailed;
}

/** The extension's child: waits for `start`, streams stats, answers pings, stops on `stop` or a signal. */
function ipcCommand(): Promise<number> {
  const send = (message: EngineToHost) => process.send?.(message);
  if (!process.send) {
    process.stderr.write('loadlens ipc: must be started by the extension with an IPC channel\n');
    return Promise.resolve(EXIT.invalid);
  }
  let stop: (() => void) | undefined;
  let started = false;
  return new Promise<number>(resolve => {
    const onMessage = async (message: HostToEngine) => {
      switch (message.kind) {
        case 'ping':
          send({ kind: 'pong', seq: message.seq });
          break;
        case 'stop':
          stop?.();
          break;
        case 'start': {
          if (started) break;
          started = true;
          const { request } = message;
          const result = await runUsers(
            { file: request.file, scenario: request.scenario, overrides: request.overrides, defaults: request.defaults, otel: request.otel, serviceName: request.serviceName },
            () => [new IpcOutput(send)],
            fault => send({ kind: 'internal-error', message: describeInternalError(fault) }),
            {
              workers: request.workers ?? RUN_DEFAULTS.workers,
              onStopper: stopper => (stop = stopper),
              onWorkerLost: message => send({ kind: 'log', level: 'warn', message: `loadlens: ${message}` }),
            },
          ).catch((error: Error) => {
            send({ kind: 'log', level: 'error', message: `loadlens: internal error: ${error.stack ?? error.message}` });
            return undefined;
          });
          let code: number = EXIT.internalError;
          if (result && !result.ok) {
            send({ kind: 'invalid', diagnostics: result.diagnostics, problems: result.problems });
            code = EXIT.invalid;
          } else if (result) code = exitCodeFor(result);
          process.off('message', onMessage);
          process.disconnect?.();
          resolve(code);
          break;
        }
        default:
          assertNever(message);
      }
    };
    process.on('message', onMessage);
    send({ kind: 'ready', pid: process.pid, engineVersion: ENGINE_VERSION });
  });
}

// The users worker is this same script in a worker thread (see coordinator.ts).
const usersWorker = !isMainThread && (workerData as UsersWorkerData | undefined)?.kind === 'loadlens-users';
// Run when executed (dist/engine.js, bin/loadlens.js, or `node src/engine/main.ts`), not when imported by tests.
const invokedAs = process.argv[1] ? path.basename(process.argv[1]) : '';
if (usersWorker) {
  useBundledEsbuild();
  void runUsersWorker(workerData as UsersWorkerData);
} else if (/^(engine(-undici8)?\.js|loadlens(\.js)?|main\.ts)$/.test(invokedAs) && isMainThread) {
  useBundledEsbuild();
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
    // Everything is written. An OTLP exporter may still retry a down collector in the background
    // (up to OTEL_EXPORTER_OTLP_TIMEOUT): do not wait for it. Unref'd: a clean exit comes first.
    setTimeout(() => process.exit(code), 200).unref();
  }, (error: Error) => {
    process.stderr.write(`loadlens: internal error: ${error.stack ?? error.message}\n`);
    process.exitCode = EXIT.internalError;
  });
}
