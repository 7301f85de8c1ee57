// Over 400 lines until the report builder (shared with merge.ts) and the load plan move out (issue 19, step 4).
/**
 * The runner: starts and stops virtual users according to the load model, feeds the stats, drives the
 * outputs once a second, and produces the report. One runner runs one scenario once.
 *
 * States: idle → spawning → running → stopping → stopped. `spawning` lasts until the load model first
 * reaches its target (closed model) or for the first second (open model); `stopping` covers the grace
 * period for in-flight iterations, the last tick and the outputs' flush.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RunReport, RunState, SourceLocation, StatsSnapshot, TelemetryCounts, ThresholdResult } from '../../shared/report.ts';
import { redactUrlCredentials } from '../../shared/redact.ts';
import { createHttpClient, Response, RunStopped, TIMED_OUT_BEFORE_SENT, type RequestTracer, type RowLocations } from './http.ts';
import type { TlsConnectOptions } from './http-connections.ts';
import type { Telemetry } from '../telemetry/types.ts';
import type { Output } from '../outputs/output.ts';
import type { RunHeader, StopReason } from '../../shared/run.ts';
import { evaluateThresholds, GROUP_METHOD, parseThresholds, spanFilterOf, Stats, type ParsedThreshold, type RequestSample } from '../stats/index.ts';
import type { LoadResponse, ScenarioDefinition, UserContext } from '../api/types.ts';
import { ITERATIONS_RUN_TIME_CAP_MS, type LoadModel, type ResolvedRunOptions } from '../scenario/run-options.ts';
import { globalUserId, shareOf, type Shard } from './shard.ts';
import { describeThrown, safeInstanceOf, sleepMs } from '../scenario/user-values.ts';


const TRANSITIONS: Record<RunState, readonly RunState[]> = {
  idle: ['spawning', 'stopping'],
  spawning: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** How often the scheduler re-evaluates how many users should run (closed model) or which arrivals are due (open model). */
const SCHEDULER_TICK_MS = 20;

export interface RunnerOptions {
  file: string;
  scenario: string;
  definition: ScenarioDefinition;
  run: ResolvedRunOptions;
  outputs: Output[];
  /** Spans and metrics for every request, when the run has `--otel`; shut down (flushed) before the report. */
  telemetry?: Telemetry;
  /** Maps an error thrown by scenario code to `file:line:column` in the user's source. */
  locate?: (error: unknown) => string | undefined;
  /** Where each threshold's key is written in the scenario's options, by key (see `locateOption`). */
  thresholdLocations?: Readonly<Record<string, SourceLocation>>;
  /** The run id (also on the telemetry's resource and baggage); a new UUID by default. */
  runId?: string;
  /** TLS of every connection, built once per run from `run.tls` (its CA file read): see tlsConnectOptions. */
  tls?: TlsConnectOptions;
}

/**
 * A user whose iteration fails this fast (a typo, a throw before any request) waits out the rest of
 * this time before its next one: a broken scenario runs at most 1000 / this iterations per second per
 * user, each counted, instead of spinning a core.
 */
const MIN_FAILED_ITERATION_MS = 10;

/** Lets timers, signals and I/O run: a macrotask, unlike `await` (a microtask) which could starve them. */
const yieldToEventLoop = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** One virtual user: its own HTTP client (connections), its context, its loop. */
class VirtualUser {
  readonly id: number;
  readonly context: UserContext;
  /** Set when the user should leave after its current iteration (ramp-down or stop). */
  retiring = false;
  /** Failed requests and checks of this user so far, to tell whether a group failed. */
  failures = 0;
  /** The loop's promise, settled when the user has left. */
  done: Promise<void> = Promise.resolve();
  readonly http: ReturnType<typeof createHttpClient>;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(id: number, runner: Runner, baseUrl: URL, run: ResolvedRunOptions, tracer: RequestTracer | undefined, tls: TlsConnectOptions | undefined) {
    this.id = id;
    this.http = createHttpClient({
      baseUrl, userId: id, timeoutMs: run.timeoutMs, maxBodyBytes: run.maxBodyBytes, redirects: run.redirects, tracer,
      connections: { maxHeaderBytes: run.maxHeaderBytes, ...(tls ? { tls } : {}) },
      sink: response => runner.recordRequest(this, response),
      rowLocations: runner.rowLocations,
    });
    this.context = {
      http: this.http,
      userId: id,
      iteration: 0,
      vars: {},
      check: (response, checks) => runner.check(this, response, checks),
      group: (name, fn) => runner.group(this, name, fn),
      // Seconds or a duration string, as the options take them; a bad one throws here, at the user's line.
      sleep: duration => this.sleep(sleepMs(duration)),
    };
  }

  /** Sleeps unless the user is retiring; wakes early (with RunStopped) when the run stops. */
  sleep(ms: number): Promise<void> {
    if (this.retiring || ms <= 0) return this.retiring ? Promise.reject(new RunStopped()) : Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, wake: () => reject(new RunStopped()) };
    });
  }

  retire(): void {
    this.retiring = true;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
      this.sleeping = undefined;
    }
  }
}

export class Runner {
  readonly runId: string;
  readonly stats = new Stats();
  /** Each row's place in the scenario, learned from the first request's (or group's) stack. */
  readonly rowLocations: RowLocations = {
    needsLocation: (method, name) => this.stats.needsLocation(method, name),
    learnLocation: (method, name, callSite) => this.stats.setLocation(method, name, parseWhere(this.options.locate?.(callSite))),
  };
  private state: RunState = 'idle';
  private readonly options: RunnerOptions;
  private readonly baseUrl: URL;
  private readonly users = new Set<VirtualUser>();
  /** Open model: users waiting for their next arrival. */
  private readonly idleUsers: VirtualUser[] = [];
  /** This process's users so far; a shard turns the n-th into a plan-wide id (globalUserId). */
  private usersCreated = 0;
  /** Closed model: users told to leave by a ramp-down that are still finishing their iteration. */
  private rampingDown = 0;
  private startedAt = 0;
  private startedAtPerf = 0;
  private stopReason: StopReason = 'run-time';
  private cancelling = false;
  private iterations = 0;
  /** Closed model: users started so far (with `iterations`, no user replaces one that is done). */
  private closedUsersStarted = 0;
  private droppedIterations = 0;
  private arrivalsStarted = 0;
  private readonly stopped: Promise<void>;
  private signalStop!: () => void;
  private readonly flushCut: Promise<void>;
  private cutFlush!: () => void;
  private readonly checked = new WeakSet<Response>();
  /** Why an output could not finish (a report file that could not be written), after `run()`. */
  outputErrors: string[] = [];

  constructor(options: RunnerOptions) {
    this.options = options;
    this.runId = options.runId ?? randomUUID();
    // Scenarios that only use absolute URLs need no host: relative paths then fail with a clear message.
    this.baseUrl = new URL(options.run.host ?? 'http://host-not-set.invalid');
    this.stopped = new Promise(resolve => (this.signalStop = resolve));
    this.flushCut = new Promise(resolve => (this.cutFlush = resolve));
  }

  get currentState(): RunState {
    return this.state;
  }

  get activeUsers(): number {
    return this.users.size;
  }

  private transition(to: RunState): void {
    if (!TRANSITIONS[this.state].includes(to)) throw new Error(`invalid run state transition ${this.state} → ${to}`);
    this.state = to;
  }

  /** Asks the run to stop gracefully: users finish their iteration within the grace period. */
  stop(reason: StopReason): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.stopReason = reason;
    this.signalStop();
  }

  /**
   * Stops now: in-flight requests are cancelled, each counted as a failure 'cancelled at stop' on its
   * row; the report is still written.
   */
  cancel(reason: StopReason): void {
    this.stop(reason);
    this.cancelling = true;
    for (const user of this.users) void user.http.destroy();
    // Whatever the users' code still awaits (its own timers), the grace period is over.
    this.endGrace?.();
  }

  private endGrace: (() => void) | undefined;

  /**
   * Ends the telemetry flush now (a third Ctrl+C): the report is written with the export counts so far;
   * spans not yet exported are counted as lost.
   */
  abortFlush(): void {
    this.cancel('signal');
    this.cutFlush();
  }

  /** Runs the scenario to the end and returns the report (already handed to every output). */
  async run(): Promise<RunReport> {
    const { run, outputs } = this.options;
    this.startedAt = Date.now();
    this.startedAtPerf = performance.now();
    const cpuAtStart = process.cpuUsage();
    const header: RunHeader = {
      runId: this.runId, scenario: this.options.scenario, file: this.options.file, startedAt: this.startedAt,
      targetUsers: targetUsers(run), runTimeMs: shownRunTimeMs(run), host: redactUrlCredentials(run.host ?? ''), otel: this.options.telemetry !== undefined,
      ...(run.shard ? { shard: { index: run.shard.index, count: run.shard.count } } : {}),
    };
    for (const output of outputs) output.start(header);
    this.transition('spawning');

    const scheduler = setInterval(() => this.schedule(), SCHEDULER_TICK_MS);
    const ticker = setInterval(() => this.tick(), 1000);
    const runTimer = setTimeout(() => this.stop('run-time'), run.runTimeMs);
    this.schedule();
    await this.stopped;
    clearInterval(scheduler);
    clearTimeout(runTimer);
    this.transition('stopping');

    // Grace period: every user finishes its current iteration (sleeps end at once), then runs onStop.
    for (const user of this.users) user.retire();
    for (const idle of this.idleUsers.splice(0)) idle.done = this.leave(idle);
    const allDone = Promise.all([...this.users].map(u => u.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>(resolve => {
      graceTimer = setTimeout(() => resolve('grace-over'), this.cancelling ? 0 : run.gracefulStopMs);
      this.endGrace = () => resolve('grace-over');
    });
    const outcome = await Promise.race([allDone.then(() => 'done' as const), graceOver]);
    clearTimeout(graceTimer);
    if (outcome === 'grace-over') {
      this.cancelling = true;
      // Each cancelled request settles (and is counted) inside destroy().
      await Promise.all([...this.users].map(u => u.http.destroy()));
    }
    clearInterval(ticker);
    this.tick();
    // The load ends here: durations and rates do not include the telemetry flush below.
    const endedAt = Date.now();
    const cpu = process.cpuUsage(cpuAtStart);
    // Every span ended with its iteration: flush them (bounded in time, even with the collector down).
    // A third Ctrl+C cuts it short: what was not exported by then is counted as lost.
    const telemetry = this.options.telemetry
      ? await Promise.race([this.options.telemetry.shutdown(), this.flushCut.then(() => this.options.telemetry!.abandon())])
      : undefined;

    const report = buildReport({
      stats: this.stats, header, endedAt, thresholds: run.thresholds, stopReason: this.stopReason,
      iterations: this.iterations, droppedIterations: this.droppedIterations,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000), telemetry, insecureSkipTLSVerify: run.tls.insecureSkipVerify,
      locateThresholds: (parsed, results) => this.locatedThresholds(parsed, results),
    });
    // Every output gets the report even when one fails (a full disk): the failure is the caller's to show.
    const written = await Promise.allSettled(outputs.map(output => output.stop(report)));
    this.outputErrors = written.flatMap(result => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
    this.users.clear();
    this.transition('stopped');
    return report;
  }

  /** Brings the number of users to what the load model wants now. */
  private schedule(): void {
    if (this.state !== 'spawning' && this.state !== 'running') return;
    const { load, shard } = this.options.run;
    const elapsedMs = performance.now() - this.startedAtPerf;
    if (load.kind === 'open') {
      const due = arrivalsDue(load, elapsedMs, shard) - this.arrivalsStarted;
      for (let i = 0; i < due; i++) this.arrive(shareOf(load.maxUsers, shard));
      if (this.state === 'spawning' && elapsedMs >= 1000) this.transition('running');
      return;
    }
    const target = usersWanted(load, elapsedMs, shard);
    const { iterations } = this.options.run;
    if (iterations !== undefined && load.kind === 'closed') {
      // Each user runs its iterations and leaves; the run ends with the last one.
      while (this.closedUsersStarted < target) this.startClosedUser();
      const users = shareOf(load.users, shard);
      if (this.state === 'spawning' && this.closedUsersStarted >= users) this.transition('running');
      if (this.closedUsersStarted >= users && this.users.size === 0) this.stop('iterations-done');
      return;
    }
    // Users ramping down still finish their iteration: they no longer count towards the target.
    while (this.users.size - this.rampingDown < target) this.startClosedUser();
    let excess = this.users.size - this.rampingDown - target;
    if (excess > 0) {
      // Ramp down: the newest users leave after their current iteration.
      for (const user of [...this.users].reverse()) {
        if (excess === 0) break;
        if (user.retiring) continue;
        user.retire();
        this.rampingDown++;
        excess--;
      }
    }
    const finalTarget = shareOf(load.kind === 'closed' ? load.users : Math.max(...load.stages.map(s => s.target)), shard);
    if (this.state === 'spawning' && (this.users.size >= finalTarget || load.kind === 'stages' && elapsedMs > 0 && target >= finalTarget)) this.transition('running');
  }

  private newUser(): VirtualUser {
    const user = new VirtualUser(globalUserId(++this.usersCreated, this.options.run.shard), this, this.baseUrl, this.options.run, this.options.telemetry?.tracer, this.options.tls);
    this.users.add(user);
    return user;
  }

  private startClosedUser(): void {
    this.closedUsersStarted++;
    const user = this.newUser();
    // Never rejects: an engine fault in one user's loop must not abort the whole stop (and lose the report).
    user.done = this.closedLoop(user).catch((error: unknown) => this.recordIterationError(error)).finally(() => {
      this.users.delete(user);
      if (user.retiring && this.state !== 'stopping' && this.state !== 'stopped') this.rampingDown--;
    });
  }

  private async closedLoop(user: VirtualUser): Promise<void> {
    const { definition } = this.options;
    // The user's connections are closed however its loop ends (an onStart that failed, an engine fault).
    try {
      if (await this.hook(user, definition.options.onStart)) await this.closedIterations(user);
    } finally {
      await user.http.close();
    }
  }

  /** A closed-model user's iterations, waits between them, and its onStop. */
  private async closedIterations(user: VirtualUser): Promise<void> {
    const { definition } = this.options;
    const { wait, iterations } = this.options.run;
    while (!user.retiring) {
      const startedAt = performance.now();
      const failed = await this.iterate(user);
      if (iterations !== undefined && user.context.iteration >= iterations) break;
      // An iteration without real I/O (a throw, a typo, only `vars`) settles in microtasks: without a
      // macrotask turn here the loop would never let the run timer, the ticker or a signal handler run.
      await yieldToEventLoop();
      if (user.retiring) break;
      const elapsedMs = performance.now() - startedAt;
      try {
        if (failed && elapsedMs < MIN_FAILED_ITERATION_MS) await user.sleep(MIN_FAILED_ITERATION_MS - elapsedMs);
        switch (wait.kind) {
          case 'none': break;
          case 'constant': await user.sleep(wait.ms); break;
          case 'between': await user.sleep(wait.minMs + Math.random() * (wait.maxMs - wait.minMs)); break;
          case 'constantPacing': await user.sleep(wait.ms - (performance.now() - startedAt)); break;
        }
      } catch (error) {
        if (!safeInstanceOf(error, RunStopped)) throw error;
      }
    }
    if (!this.cancelling) await this.hook(user, definition.options.onStop);
  }


  /** Open model: one arrival takes an idle user, or a new one below the cap, or is dropped. */
  private arrive(maxUsers: number): void {
    this.arrivalsStarted++;
    let user = this.idleUsers.pop();
    if (!user) {
      if (this.users.size >= maxUsers) {
        this.droppedIterations++;
        return;
      }
      user = this.newUser();
      const fresh = user;
      fresh.done = this.hook(fresh, this.options.definition.options.onStart).then(ok => (ok ? this.openIteration(fresh) : this.discard(fresh)))
        .catch((error: unknown) => this.recordIterationError(error));
      return;
    }
    const ready = user;
    ready.done = this.openIteration(ready).catch((error: unknown) => this.recordIterationError(error));
  }

  private async openIteration(user: VirtualUser): Promise<void> {
    await this.iterate(user);
    if (this.state === 'stopping' || this.state === 'stopped' || user.retiring) await this.leave(user);
    else this.idleUsers.push(user);
  }

  /** Open model: a user whose onStart failed never runs: close what onStart opened and forget it. */
  private async discard(user: VirtualUser): Promise<void> {
    await user.http.close();
    this.users.delete(user);
  }

  /** Open model: a user leaves at the stop: onStop, close its connections. */
  private async leave(user: VirtualUser): Promise<void> {
    if (!this.cancelling) await this.hook(user, this.options.definition.options.onStop);
    await user.http.close();
    this.users.delete(user);
  }

  /**
   * One pass of the scenario function; a throw is an iteration error at the user's source line.
   * Resolves true when the iteration threw.
   */
  private async iterate(user: VirtualUser): Promise<boolean> {
    let failed = false;
    try {
      await this.options.definition.fn(user.context);
    } catch (error) {
      failed = true;
      if (!safeInstanceOf(error, RunStopped) && !this.cancelling) this.recordIterationError(error);
    }
    user.http.endSpans();
    this.iterations++;
    user.context.iteration++;
    return failed;
  }

  /** Runs onStart/onStop; a throw there is an iteration error and (for onStart) the user does not run. */
  private async hook(user: VirtualUser, hook: ((ctx: UserContext) => unknown) | undefined): Promise<boolean> {
    if (!hook) return true;
    try {
      await hook(user.context);
      return true;
    } catch (error) {
      if (!safeInstanceOf(error, RunStopped) && !this.cancelling) this.recordIterationError(error);
      return false;
    }
  }

  /** Never throws, whatever scenario code threw (a value whose String() throws included). */
  private recordIterationError(error: unknown): void {
    let where: string | undefined;
    try {
      where = this.options.locate?.(error);
    } catch { /* a value that cannot be inspected has no location */ }
    this.stats.recordIterationError(describeThrown(error), where);
  }

  /** The HTTP client's sink: every finished request, those cancelled at the stop included ('cancelled at stop'). */
  recordRequest(user: VirtualUser, sample: RequestSample): void {
    if (sample.error !== undefined) user.failures++;
    if (sample.error === TIMED_OUT_BEFORE_SENT) this.stats.recordUnsent(sample);
    else this.stats.record(sample);
  }

  check<T extends LoadResponse>(user: VirtualUser, response: T, checks: Record<string, (value: T) => boolean>): boolean {
    let failedCheck: string | undefined;
    for (const [name, predicate] of Object.entries(checks)) {
      let ok: boolean;
      try {
        ok = predicate(response) === true;
      } catch (error) {
        ok = false;
        failedCheck ??= `check '${name}' threw: ${describeThrown(error)}`;
      }
      if (!ok) failedCheck ??= `check '${name}' failed`;
    }
    // A check can only fail a request once, and only a request that had not failed already.
    if (failedCheck && response instanceof Response && response.ok && !this.checked.has(response)) {
      this.checked.add(response);
      user.failures++;
      this.stats.recordCheckFailure(response.method, response.name, failedCheck, response.traceId || undefined);
      response.traced?.fail(failedCheck);
    }
    user.http.endSpans();
    return failedCheck === undefined;
  }

  /** Threshold results (in the order of `parsed`) with the line of each one's key, when known. */
  private locatedThresholds(parsed: ReturnType<typeof parseThresholds>['thresholds'], results: ThresholdResult[]): ThresholdResult[] {
    const locations = this.options.thresholdLocations;
    if (!locations) return results;
    return results.map((result, i) => {
      const key = parsed[i]?.key;
      const location = key === undefined || !Object.hasOwn(locations, key) ? undefined : locations[key];
      return location ? { ...result, location } : result;
    });
  }

  async group<R>(user: VirtualUser, name: string, fn: () => Promise<R>): Promise<R> {
    if (this.stats.needsLocation(GROUP_METHOD, name)) {
      const callSite: { stack?: string } = {};
      Error.captureStackTrace(callSite);
      this.rowLocations.learnLocation(GROUP_METHOD, name, callSite);
    }
    const failuresBefore = user.failures;
    const startedAt = performance.now();
    let thrown: unknown;
    try {
      return await fn();
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      if (!safeInstanceOf(thrown, RunStopped) && !(this.cancelling && thrown !== undefined)) {
        const failed = thrown !== undefined || user.failures > failuresBefore;
        const error = thrown !== undefined ? describeThrown(thrown) : undefined;
        this.stats.recordGroup(name, performance.now() - startedAt, failed, error);
      }
    }
  }

  /** Closes the second and hands a snapshot to every output. */
  private tick(): void {
    const now = Date.now();
    this.stats.tick(now, this.users.size);
    const snapshot = this.snapshot(now);
    if (this.options.telemetry) snapshot.telemetry = this.options.telemetry.counts();
    if (this.droppedIterations > 0) snapshot.droppedIterations = this.droppedIterations;
    for (const output of this.options.outputs) output.add(snapshot);
  }

  /** Iterations so far, for a coordinator that may have to write the report itself. */
  get progress(): { iterations: number; droppedIterations: number; startedAt: number } {
    return { iterations: this.iterations, droppedIterations: this.droppedIterations, startedAt: this.startedAt };
  }

  snapshot(now = Date.now()): StatsSnapshot {
    return this.stats.snapshot({
      runId: this.runId, scenario: this.options.scenario, state: this.state, startedAt: this.startedAt, now,
      users: this.users.size, targetUsers: targetUsers(this.options.run),
    });
  }
}

/** What a report is made of; `stats` may be the runner's own or one rebuilt from the last encoded stats a worker sent. */
export interface ReportParts {
  stats: Stats;
  /** The run as it started; a shard's report (`header.shard`) carries what a merge needs. */
  header: RunHeader;
  /** Epoch ms. */
  endedAt: number;
  thresholds: Readonly<Record<string, string>>;
  stopReason: StopReason;
  iterations: number;
  droppedIterations: number;
  cpuMs: number;
  telemetry: TelemetryCounts | undefined;
  /** TLS certificates were not verified. */
  insecureSkipTLSVerify?: boolean;
  /** Adds each threshold's place in the scenario (the runner knows them; a rebuilt report may not). */
  locateThresholds?: (parsed: ParsedThreshold[], results: ThresholdResult[]) => ThresholdResult[];
}

/** The run's report: the stats' summary, the thresholds evaluated on it, and the run's facts. */
export function buildReport(parts: ReportParts): RunReport {
  const { header } = parts;
  const summary = parts.stats.summary(parts.endedAt - header.startedAt);
  const parsed = parseThresholds({ ...parts.thresholds });
  return {
    header,
    endedAt: new Date(parts.endedAt).toISOString(),
    durationMs: parts.endedAt - header.startedAt,
    ...summary,
    thresholds: parts.locateThresholds
      ? parts.locateThresholds(parsed.thresholds, evaluateThresholds(parsed.thresholds, summary))
      : evaluateThresholds(parsed.thresholds, summary),
    stopReason: parts.stopReason,
    iterations: parts.iterations,
    droppedIterations: parts.droppedIterations,
    cpuMs: parts.cpuMs,
    ...(parts.telemetry ? { telemetry: parts.telemetry } : {}),
    // Thresholds on spans are judged again by whoever received the spans (`loadlens run --receiver`,
    // the editor): they need them as written.
    ...(parsed.thresholds.some(t => spanFilterOf(t) !== undefined) ? { thresholdsWritten: { ...parts.thresholds } } : {}),
    ...(parts.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true as const } : {}),
    ...(header.shard ? mergeable(parts) : {}),
  };
}

/**
 * What `loadlens merge` needs of a shard's report: its stats with the histograms encoded, and the
 * thresholds as written. Only shard reports carry them: the encoded stats are 2 to 6 times the size of
 * the rest of the report (32 KB for 5 names over a minute, 1.6 MB for 200 names over 30 minutes), too
 * much for every run's report, the editor's run history and the IPC message, none of which merge.
 */
function mergeable(parts: ReportParts): Pick<RunReport, 'encodedStats' | 'thresholdsWritten'> {
  return { encodedStats: parts.stats.encode(), thresholdsWritten: { ...parts.thresholds } };
}

/**
 * The run time the header and the panel show: none (0) for a run that ends with its iterations and
 * has only the safety cap (`-i 1` is not a run "for 24:00:00").
 */
function shownRunTimeMs(run: ResolvedRunOptions): number {
  return run.iterations !== undefined && run.runTimeMs === ITERATIONS_RUN_TIME_CAP_MS ? 0 : run.runTimeMs;
}

/** The most users this run (this shard, when sharded) has at once. */
export function targetUsers(run: ResolvedRunOptions): number {
  switch (run.load.kind) {
    case 'closed': return shareOf(run.load.users, run.shard);
    case 'stages': return shareOf(Math.max(0, ...run.load.stages.map(s => s.target)), run.shard);
    case 'open': return shareOf(run.load.maxUsers, run.shard);
  }
}

/**
 * Closed model and stages: how many users this shard (the whole run when unsharded) runs `elapsedMs`
 * into the run: the whole plan's number, then the shard's share of it, so shards add up at every instant.
 */
export function usersWanted(load: Exclude<LoadModel, { kind: 'open' }>, elapsedMs: number, shard: Shard | undefined): number {
  const whole = load.kind === 'closed'
    ? Math.min(load.users, Math.floor((load.spawnRate * elapsedMs) / 1000) + 1)
    : stagesTarget(load.stages, elapsedMs);
  return shareOf(whole, shard);
}

/** Open model: how many arrivals this shard has started by `elapsedMs` (the first at 0). */
export function arrivalsDue(load: Extract<LoadModel, { kind: 'open' }>, elapsedMs: number, shard: Shard | undefined): number {
  return shareOf(Math.floor((load.arrivalRate * elapsedMs) / 1000) + 1, shard);
}

/** Users wanted `elapsedMs` into a staged run: linear from each stage's start level to its target. */
export function stagesTarget(stages: readonly { durationMs: number; target: number }[], elapsedMs: number): number {
  let from = 0;
  let stageStart = 0;
  for (const stage of stages) {
    if (elapsedMs < stageStart + stage.durationMs) {
      const progress = stage.durationMs === 0 ? 1 : (elapsedMs - stageStart) / stage.durationMs;
      return Math.round(from + (stage.target - from) * progress);
    }
    from = stage.target;
    stageStart += stage.durationMs;
  }
  return from;
}

/** `file:line:column` (as `locate` returns it) as a SourceLocation. */
function parseWhere(where: string | undefined): SourceLocation | undefined {
  const match = where === undefined ? null : /^(.*):(\d+):(\d+)$/.exec(where);
  return match ? { file: match[1]!, line: Number(match[2]), column: Number(match[3]) } : undefined;
}
