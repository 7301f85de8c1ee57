/**
 * What every command shares: the version, the exit codes, argument parsing, and the flags several
 * commands take (--trace-link, --report).
 */
import path from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { EXIT, reportExitCode, type RunReport } from '../../shared/report.ts';
import { HtmlReportOutput } from '../outputs/report-html.ts';
import { JsonReportOutput } from '../outputs/report.ts';
import type { Output } from '../outputs/output.ts';
import { type InternalError } from '../run/session.ts';
import { reportPathProblem } from '../outputs/report.ts';
import { parseTraceLinkSpec, TraceLinkSettingError, traceLinkTemplate } from '../../shared/trace-link.ts';
import type { RunOverrides } from '../../shared/run.ts';

declare const __LOADLENS_VERSION__: string | undefined;

export const ENGINE_VERSION = typeof __LOADLENS_VERSION__ === 'string' ? __LOADLENS_VERSION__ : 'dev';

export { EXIT } from '../../shared/report.ts';

/**
 * One command's arguments: its `options` (each declares `help`) and exactly `files.count` file
 * arguments (at least `files.atLeast`, when given instead). Returns them parsed, or the exit code once the usage (for --help) or the problem (with
 * the usage) is printed.
 */
export function parseCommand<O extends ParseArgsOptionsConfig>(command: string, args: string[], options: O, files: ({ count: number } | { atLeast: number }) & { what: string }, usage: string) {
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

/**
 * The trace link template of `--trace-link` (else $LOADLENS_TRACE_LINK), undefined for none; or the
 * exit code once the problem is printed.
 */
export function traceLinkOption(command: string, flag: string | undefined): string | undefined | number {
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
export async function reportFilesOption(command: string, reports: readonly string[]): Promise<string[] | number> {
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
export function reportOutputs(files: readonly string[], html: { traceLink: string | undefined; service: string }): Output[] {
  return files.map(file => (/\.json$/i.test(file) ? new JsonReportOutput(file) : new HtmlReportOutput(file, html)));
}

/** How an engine fault reads in a terminal or the editor's output channel: whose fault, what failed, the stack. */
export function describeInternalError(fault: InternalError): string {
  return `loadlens: internal error (a bug in Loadlens, not in your scenario; the run stops and its report is still written): ${fault.stack}`;
}

/** A report's verdict as an exit code (src/shared/report.ts), the same in the terminal and the editor. */
export const exitCodeOf: (report: RunReport) => number = reportExitCode;

/** The load flags `run` and `test` share (`parseArgs` options); `runOverridesFrom` reads what they give. */
export const LOAD_FLAGS = {
  users: { type: 'string', short: 'u' },
  'spawn-rate': { type: 'string', short: 'r' },
  'run-time': { type: 'string', short: 't' },
  host: { type: 'string', short: 'H' },
  iterations: { type: 'string', short: 'i' },
  workers: { type: 'string', short: 'w' },
} as const satisfies ParseArgsOptionsConfig;

/** The run flags a command was given, as typed: `resolveRunOptions` validates them and names the flag in its message. */
export interface RunFlagValues {
  users?: string;
  'spawn-rate'?: string;
  'run-time'?: string;
  host?: string;
  iterations?: string;
  'insecure-skip-tls-verify'?: boolean;
  'ca-file'?: string;
}

/** `run`'s and `test`'s flags as the overrides they stand for (one mapping for both commands). */
export function runOverridesFrom(values: RunFlagValues): RunOverrides {
  return {
    ...(values.users !== undefined ? { users: values.users } : {}),
    ...(values['spawn-rate'] !== undefined ? { spawnRate: values['spawn-rate'] } : {}),
    ...(values['run-time'] !== undefined ? { runTime: values['run-time'] } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.iterations !== undefined ? { iterations: values.iterations } : {}),
    ...(values['insecure-skip-tls-verify'] ? { insecureSkipTLSVerify: true } : {}),
    ...(values['ca-file'] ? { caFile: path.resolve(values['ca-file']) } : {}),
  };
}
