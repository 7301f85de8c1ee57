// Runs one scenario at a time in a child process (the same engine as the CLI), over typed IPC.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever, type EngineToHost, type HostToEngine } from '../../shared/protocol.ts';
import type { RunSpec } from '../../shared/run.ts';
import { formatDiagnostic, type RunReport } from '../../shared/report.ts';
import { ENGINE_NODE_FLAGS } from '../../shared/engine-flags.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import { earlyExitMessage, engineEnded, nodeRuntimeProblem, OutputTail, startFailureMessage } from './engine-process.ts';

/** How often the watchdog pings, and how long the engine may stay silent before it is killed. */
const PING_EVERY_MS = 2_000;
const SILENCE_LIMIT_MS = 20_000;
/** After `stop`, how long the engine gets to finish in-flight requests, flush and report. */
const STOP_TIMEOUT_MS = 30_000;

/** How the engine child is started for one run. */
export interface RunLaunch {
  /**
   * Debug: the child starts paused under the inspector (`--inspect-brk` on a free loopback port) and
   * `onInspector` gets the port to attach to; the watchdog does not kill a child paused at a breakpoint.
   */
  debug?: { onInspector: (port: number) => void };
}

/** Node's line on stderr when the inspector listens: `Debugger listening on ws://127.0.0.1:PORT/uuid`. */
const INSPECTOR_LISTENING = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//;

export interface RunOutcome {
  exitCode: number | null;
  report?: RunReport;
  /** Why the run did not produce a report (invalid scenario, engine crash), when it did not. */
  problem?: string;
  /** The scenario or the options were invalid: the run did not start. */
  invalid?: Extract<EngineToHost, { kind: 'invalid' }>;
}

export class RunController implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private readonly messages = new vscode.EventEmitter<EngineToHost>();
  /** Every message from the engine of the current run, in order (the panel and status bar listen). */
  readonly onMessage = this.messages.event;

  private readonly enginePath: string;
  private readonly output: vscode.OutputChannel;
  private readonly settings: () => LoadlensSettings;

  constructor(enginePath: string, output: vscode.OutputChannel, settings: () => LoadlensSettings) {
    this.enginePath = enginePath;
    this.output = output;
    this.settings = settings;
  }

  /** Set from the moment a run is asked for (the runtime check comes first) until it has ended. */
  private busy = false;

  get running(): boolean {
    return this.busy;
  }

  /**
   * Starts the engine and resolves when the run ends, however it ends. `environment` adds variables for
   * the engine (the OTLP endpoint; '' unsets an inherited one for the engine). First checks that the
   * runtime is a Node.js >= 22, naming loadlens.run.nodePath when it is not.
   */
  async run(request: RunSpec, environment: Record<string, string> = {}, launch: RunLaunch = {}): Promise<RunOutcome> {
    if (this.busy) return { exitCode: null, problem: 'A run is already in progress: stop it first.' };
    this.busy = true;
    try {
      const { nodePath } = this.settings().run;
      // Electron's process.versions.node is the Node.js it embeds: the runtime the engine gets without nodePath.
      const runtimeProblem = await nodeRuntimeProblem(nodePath, process.versions.node);
      if (runtimeProblem) {
        this.output.appendLine(`[run] ${runtimeProblem}`);
        return { exitCode: null, problem: runtimeProblem };
      }
      return await this.start(request, environment, launch, nodePath);
    } finally {
      this.busy = false;
    }
  }

  private start(request: RunSpec, environment: Record<string, string>, launch: RunLaunch, nodePath: string): Promise<RunOutcome> {
    const debugPort = process.env.LOADLENS_ENGINE_DEBUG_PORT;
    const inspect = launch.debug ? ['--inspect-brk=127.0.0.1:0'] : debugPort ? [`--inspect=127.0.0.1:${debugPort}`] : [];
    const child = fork(this.enginePath, ['ipc'], {
      // In desktop VS Code process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
      execPath: nodePath || process.execPath,
      execArgv: [...ENGINE_NODE_FLAGS, ...inspect],
      env: { ...process.env, ...environment, ELECTRON_RUN_AS_NODE: '1' },
      cwd: path.dirname(request.file),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.output.appendLine(`[run] ${path.basename(request.file)} › ${request.scenario ?? '(first scenario)'}${request.otel ? ' with OTel' : ''}${launch.debug ? ' in the debugger' : ''} (engine pid ${child.pid ?? 'none: not started'})`);
    child.stdout?.on('data', (chunk: Buffer) => this.output.append(chunk.toString()));
    let stderrHead = '';
    const stderrTail = new OutputTail();
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.output.append(text);
      stderrTail.add(text);
      if (launch.debug && stderrHead.length < 4096) {
        const before = stderrHead;
        stderrHead += text;
        const port = INSPECTOR_LISTENING.exec(stderrHead);
        if (port && !INSPECTOR_LISTENING.test(before)) launch.debug.onInspector(Number(port[1]));
      }
    });

    return new Promise<RunOutcome>(resolve => {
      let report: RunReport | undefined;
      let problem: string | undefined;
      let invalid: RunOutcome['invalid'];
      let lastHeard = Date.now();
      let seq = 0;
      /** The engine sent at least one message (so `nodePath`, if set, is a working Node.js). */
      let spoke = false;
      const watchdog = setInterval(() => {
        // A debugged engine is silent while paused at a breakpoint: the debugger owns its life.
        if (!launch.debug && Date.now() - lastHeard > SILENCE_LIMIT_MS) {
          problem = `The engine stopped answering for ${SILENCE_LIMIT_MS / 1000} s and was killed.`;
          this.output.appendLine(`[run] ${problem}`);
          child.kill('SIGKILL');
          return;
        }
        this.send({ kind: 'ping', seq: ++seq });
      }, PING_EVERY_MS);

      child.on('message', (message: EngineToHost) => {
        lastHeard = Date.now();
        spoke = true;
        switch (message.kind) {
          case 'ready':
            this.send({ kind: 'start', request });
            break;
          case 'invalid': {
            invalid = message;
            const problems = [...message.diagnostics.map(formatDiagnostic), ...message.problems];
            problem = `The run did not start: ${problems.length} problem(s):\n${problems.join('\n')}`;
            this.output.appendLine(problem);
            break;
          }
          case 'finished':
            report = message.report;
            break;
          case 'log':
            this.output.appendLine(`[engine ${message.level}] ${message.message}`);
            break;
          case 'internal-error':
            problem ??= message.message;
            this.output.appendLine(`[engine error] ${message.message}`);
            break;
          case 'started':
          case 'stats':
          case 'pong':
            break;
          default:
            assertNever(message);
        }
        this.messages.fire(message);
      });
      void engineEnded(child).then(end => {
        clearInterval(watchdog);
        this.child = undefined;
        if (end.startError) {
          problem = startFailureMessage(end.startError, nodePath, process.execPath);
          this.output.appendLine(`[run] ${problem}`);
        } else {
          if (!report && !problem) problem = earlyExitMessage(end, nodePath, spoke, stderrTail.text);
          this.output.appendLine(`[run] engine exited with ${end.signal ?? end.code}`);
        }
        resolve({ exitCode: end.code, report, problem, ...(invalid && { invalid }) });
      });
    });
  }

  /** Asks the engine to stop gracefully; kills it if it has not exited in time. */
  stop(): void {
    const child = this.child;
    if (!child) return;
    this.send({ kind: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => clearTimeout(timer));
  }

  /** Ends the engine now (a debugged child paused on --inspect-brk cannot read a stop message). */
  abort(): void {
    this.child?.kill('SIGKILL');
  }

  private send(message: HostToEngine): void {
    if (this.child?.connected) this.child.send(message);
  }

  dispose(): void {
    this.child?.kill('SIGTERM');
    this.messages.dispose();
  }
}
