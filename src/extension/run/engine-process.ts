/**
 * How the engine child ends, apart from the editor (no `vscode` import, so `node --test` covers it).
 *
 * N.B. a child that could not be started at all (a bad `loadlens.run.nodePath`: ENOENT, EACCES) emits
 * 'error' and then 'close', and never 'exit'. Waiting for 'exit' alone leaves the run unsettled
 * forever, and every later run "already in progress".
 */
import type { ChildProcess, ExecFileException } from 'node:child_process';

/** How the engine process ended. `startError` is set when it never ran (nothing was spawned). */
export interface EngineEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  startError?: Error;
}

/**
 * Settles once, when the child is gone however it went: on 'exit' (it ran), or on 'close' after a
 * spawn 'error' (it never ran; 'close' then carries a negative errno as its code, reported as null).
 * An 'error' from a running child (a failed `send`, a failed `kill`) does not end it and is ignored here.
 */
export function engineEnded(child: ChildProcess): Promise<EngineEnd> {
  return new Promise(resolve => {
    let startError: Error | undefined;
    let settled = false;
    const settle = (end: EngineEnd) => {
      if (settled) return;
      settled = true;
      resolve(end);
    };
    child.on('error', error => {
      // No pid: the spawn itself failed, so no 'exit' will follow.
      if (child.pid === undefined) startError = error;
    });
    child.once('exit', (code, signal) => settle({ code, signal }));
    child.once('close', (code, signal) => {
      if (startError) settle({ code: null, signal: null, startError });
      else settle({ code, signal });
    });
  });
}

/**
 * The message for an engine that could not be started, naming the setting to fix when the user set
 * one (`nodePath`), else the editor's own runtime (`defaultExecPath`).
 */
export function startFailureMessage(error: Error, nodePath: string, defaultExecPath: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not an executable file' : error.message;
  if (nodePath) {
    return `Could not start the engine: the setting loadlens.run.nodePath is '${nodePath}' (${reason}). ` +
      "Set it to a Node.js (>= 22) executable, or clear it to use the editor's own runtime.";
  }
  return `Could not start the engine with the editor's runtime '${defaultExecPath}' (${reason}). Set loadlens.run.nodePath to a Node.js (>= 22) executable.`;
}

/**
 * Why the run ended without a report when the engine ran but said nothing useful. When a custom
 * `nodePath` is set and the engine never said `ready`, that program is probably not Node.js. The end of
 * what the engine wrote to stderr (`stderrTail`, e.g. V8's "Fatal error … Check failed" before a
 * SIGTRAP) is quoted: it is what tells a crash's cause.
 */
export function earlyExitMessage(end: EngineEnd, nodePath: string, engineSpoke: boolean, stderrTail = ''): string {
  const how = end.signal ?? `code ${end.code}`;
  const hint = nodePath && !engineSpoke
    ? ` It never answered: is the setting loadlens.run.nodePath ('${nodePath}') a Node.js (>= 22) executable?`
    : '';
  const lastWords = lastLines(stderrTail, 12);
  return `The engine exited (${how}) before reporting.${hint}${lastWords ? `\nIts last output on stderr:\n${lastWords}` : ''}`;
}

/** The last `count` non-empty lines of `text`. */
function lastLines(text: string, count: number): string {
  return text.split('\n').map(line => line.trimEnd()).filter(Boolean).slice(-count).join('\n');
}

/** Keeps the last `limit` characters written to a stream (the engine's stderr), for `earlyExitMessage`. */
export class OutputTail {
  #text = '';
  readonly #limit: number;

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  add(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.#limit);
  }

  get text(): string {
    return this.#text;
  }
}

/** The oldest Node.js major the engine runs on (package.json `engines.node`). */
export const MIN_NODE_MAJOR = 22;

/**
 * Why the engine cannot run on the configured runtime, or undefined when it can: `nodePath` (the
 * setting loadlens.run.nodePath) must be a Node.js >= 22 that answers `--version`; with no `nodePath`,
 * the editor's own runtime (`ownVersion`, e.g. process.versions.node) must be >= 22. Each message
 * names the setting to change.
 */
export async function nodeRuntimeProblem(nodePath: string, ownVersion: string, timeoutMs = 10_000): Promise<string | undefined> {
  if (!nodePath) {
    const major = Number(ownVersion.split('.')[0]);
    return major >= MIN_NODE_MAJOR
      ? undefined
      : `The editor's own runtime is Node.js v${ownVersion}, and the engine needs Node.js ${MIN_NODE_MAJOR} or newer: set loadlens.run.nodePath to a Node.js ${MIN_NODE_MAJOR}+ executable.`;
  }
  const { execFile } = await import('node:child_process');
  const answer = await new Promise<{ error?: ExecFileException; stdout: string }>(resolve => {
    execFile(nodePath, ['--version'], { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (error, stdout) =>
      resolve({ ...(error ? { error } : {}), stdout: String(stdout) }));
  });
  const setting = `the setting loadlens.run.nodePath is '${nodePath}'`;
  const fix = `Set it to a Node.js (>= ${MIN_NODE_MAJOR}) executable, or clear it to use the editor's own runtime.`;
  if (answer.error) {
    const code = answer.error.code;
    const reason = code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' ? 'not an executable file'
        : answer.error.killed ? `no answer to --version within ${timeoutMs / 1000} s`
          : `'--version' failed: ${answer.error.message.split('\n')[0]}`;
    return `Could not start the engine: ${setting} (${reason}). ${fix}`;
  }
  const version = /^v(\d+)\.\d+\.\d+/.exec(answer.stdout.trim());
  if (!version) return `Could not start the engine: ${setting}, which is not Node.js ('--version' printed ${JSON.stringify(answer.stdout.trim().slice(0, 60))}). ${fix}`;
  if (Number(version[1]) < MIN_NODE_MAJOR) {
    return `Could not start the engine: ${setting}, which is Node.js ${version[0]}; the engine needs Node.js ${MIN_NODE_MAJOR} or newer. ${fix}`;
  }
  return undefined;
}
