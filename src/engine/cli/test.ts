/**
 * `loadlens test [FILES|DIRS|GLOBS…]`: every scenario of the given load files as a test, for CI. The
 * scenarios run one after another (never in parallel: they would distort each other's numbers), each
 * exactly as `loadlens run FILE --scenario NAME` with the same flags would; at the end one summary
 * table, optionally JUnit XML (a suite per file, a case per threshold plus "ran to the end") and, in
 * GitHub Actions, `::error` annotations at each breached threshold's line. Verdicts come from
 * src/shared/test-verdict.ts, which the editor's Testing view uses too.
 */
import { glob, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, type Diagnostic, type RunReport } from '../../shared/report.ts';
import { RAN_TO_THE_END, runOutcome, scenarioPassed, thresholdEvidence, thresholdMessage } from '../../shared/test-verdict.ts';
import { parseWorkers, workersProblem } from '../../shared/workers.ts';
import { junitXml, type JUnitCase, type JUnitSuite } from '../outputs/junit.ts';
import type { Output } from '../outputs/output.ts';
import { reportPathProblem } from '../outputs/report.ts';
import { TerminalOutput } from '../outputs/terminal.ts';
import { padCells, singleLine } from '../outputs/format.ts';
import { checkScenarioFile } from '../scenario/check.ts';
import { EXIT, describeInternalError, parseCommand, reportOutputs, traceLinkOption, runOverridesFrom, LOAD_FLAGS } from './common.ts';
import { exitCodeFor, runUsers } from './run.ts';

export const TEST_USAGE = `Usage: loadlens test [FILES|DIRS|GLOBS…] [options]

Runs every scenario of the given load files as a test, one after another, then prints one summary.
Default: every *.load.ts, *.load.js and *.load.mjs under the current folder (node_modules and
dot-folders skipped). A folder means the load files under it; a glob ('tests/**/*.load.ts', quoted)
the files it matches.

A scenario passes when all its thresholds pass and its run was not aborted; a scenario without
thresholds passes unless its run was aborted or an iteration threw.

Options (as loadlens run's, for every scenario):
  -u, --users N       virtual users          -r, --spawn-rate R  users started per second
  -t, --run-time T    e.g. 30s, 10m          -H, --host URL      base URL, e.g. http://127.0.0.1:8080
  -i, --iterations N  each user runs the scenario N times, then the run ends
  -w, --workers N     worker processes per run ('auto': one per core)
  --otel              export a span per request and metrics over OTLP (the OTEL_* variables)
  --trace-link T      print trace ids as links (see loadlens run --help)
  --headless          no live table: a progress line every 10 s (the default when stdout is not a terminal)
  --report-dir DIR    write a JSON and an HTML report per scenario: DIR/<file>.<scenario>.json|html
  --junit FILE        write JUnit XML: a testsuite per file, a testcase per threshold and one per
                      scenario ("ran to the end"), time = the run's duration
  -h, --help          show this help

With GITHUB_ACTIONS=true, a breached threshold is also printed as an ::error annotation at its line.

Exit code: 0 every scenario passed, 1 a test failed (a threshold, or iterations that threw in a
scenario without thresholds), 2 invalid input (arguments, a file that does not load, no load file),
3 an internal error in Loadlens or a report could not be written, 4 a run was ended by force; the
highest applies.`;

const LOAD_FILE = /\.load\.(?:ts|js|mjs)$/;
const GLOB_CHARS = /[*?[\]{}]/;

/** One scenario's outcome, as the summary, the JUnit file and the annotations read it. */
interface ScenarioResult {
  file: string;
  scenario: string;
  exitCode: number;
  report?: RunReport;
  /** Why it did not run: the run did not start (diagnostics), or an earlier run was interrupted. */
  problem?: string;
  skipped?: boolean;
}

/** A load file: the scenarios it has, or why it does not load. */
interface FileResult {
  file: string;
  scenarios: ScenarioResult[];
  /** Set when the file does not load (a syntax error, an invalid option): nothing in it ran. */
  invalid?: Diagnostic[];
}

export async function testCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('test', args, {
    ...LOAD_FLAGS,
    headless: { type: 'boolean' },
    otel: { type: 'boolean' },
    'trace-link': { type: 'string' },
    'report-dir': { type: 'string' },
    junit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, { atLeast: 0, what: 'load files, folders or globs' }, TEST_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const workers = parseWorkers(values.workers ?? 1);
  if (workers === undefined) {
    process.stderr.write(`loadlens test: --workers ${workersProblem(values.workers)}, got '${values.workers}'\n`);
    return EXIT.invalid;
  }
  const overrides = runOverridesFrom(values);
  const traceLink = traceLinkOption('test', values['trace-link']);
  if (typeof traceLink === 'number') return traceLink;
  const service = process.env.OTEL_SERVICE_NAME || 'loadlens';
  // Before the first run: an output that cannot be written is found now, not after every scenario ran.
  const junitFile = values.junit === undefined ? undefined : path.resolve(values.junit);
  const reportDir = values['report-dir'] === undefined ? undefined : path.resolve(values['report-dir']);
  for (const [flag, file] of [['--junit', junitFile], ['--report-dir', reportDir && path.join(reportDir, 'report.json')]] as const) {
    const problem = file === undefined ? undefined : await reportPathProblem(file);
    if (problem) {
      process.stderr.write(`loadlens test: ${flag}: ${problem}\n`);
      return EXIT.invalid;
    }
  }
  const found = await findLoadFiles(positionals.length > 0 ? positionals : ['.'], process.cwd());
  if ('problem' in found) {
    process.stderr.write(`loadlens test: ${found.problem}\n`);
    return EXIT.invalid;
  }

  const results: FileResult[] = [];
  let interrupted = false;
  const interactive = process.stdout.isTTY === true && !values.headless;
  for (const file of found.files) {
    const shown = displayPath(file);
    const checked = await checkScenarioFile(file);
    if (!checked.ok) {
      process.stderr.write(`${checked.diagnostics.map(formatDiagnostic).join('\n')}\n`);
      results.push({ file, scenarios: [], invalid: checked.diagnostics });
      continue;
    }
    const fileResult: FileResult = { file, scenarios: [] };
    results.push(fileResult);
    for (const { name } of [...checked.scenarios].sort((a, b) => a.line - b.line)) {
      if (interrupted) {
        fileResult.scenarios.push({ file, scenario: name, exitCode: EXIT.passed, skipped: true, problem: 'not run: an earlier run was interrupted' });
        continue;
      }
      process.stdout.write(`\n▶ ${shown} › ${name}\n`);
      const reportFiles = reportDir === undefined ? [] : ['json', 'html'].map(ext => path.join(reportDir, `${reportStem(shown)}.${name}.${ext}`));
      const outputs = (): Output[] => {
        const stream = interactive ? process.stdout : Object.assign(Object.create(process.stdout) as NodeJS.WriteStream, { isTTY: false });
        return [new TerminalOutput(stream, { traceLink, service, reportFiles }), ...reportOutputs(reportFiles, { traceLink, service })];
      };
      const result = await runUsers(
        { file, scenario: name, overrides, otel: values.otel === true, workers },
        outputs,
        fault => process.stderr.write(`\n${describeInternalError(fault)}\n`),
        { onFirstSignal: signal => process.stderr.write(`\n${signal}: stopping this run; the scenarios after it will not run…\n`) },
      );
      if (!result.ok) {
        const problem = [...result.diagnostics.map(formatDiagnostic), ...result.problems].join('\n');
        process.stderr.write(`${problem}\n`);
        fileResult.scenarios.push({ file, scenario: name, exitCode: EXIT.invalid, problem });
        continue;
      }
      for (const problem of result.outputErrors) process.stderr.write(`loadlens: could not write a report: ${problem}\n`);
      const exitCode = Math.max(exitCodeFor(result), runOutcome(result.report).status === 'failed' ? EXIT.thresholdFailed : EXIT.passed);
      fileResult.scenarios.push({ file, scenario: name, exitCode, report: result.report });
      if (result.report.stopReason === 'signal') interrupted = true;
    }
  }

  process.stdout.write(`\n${formatTestSummary(results)}`);
  if (process.env.GITHUB_ACTIONS === 'true') process.stdout.write(githubAnnotations(results));
  let exitCode = Math.max(EXIT.passed, ...results.map(r => (r.invalid !== undefined ? EXIT.invalid : EXIT.passed)), ...results.flatMap(r => r.scenarios.map(s => s.exitCode)));
  if (junitFile !== undefined) {
    try {
      await writeFile(junitFile, junitXml(junitSuites(results)));
      process.stdout.write(`JUnit: ${junitFile}\n`);
    } catch (error) {
      process.stderr.write(`loadlens test: --junit: cannot write '${junitFile}': ${(error as Error).message}\n`);
      exitCode = Math.max(exitCode, EXIT.internalError);
    }
  }
  return exitCode;
}

/**
 * The load files the arguments name, sorted and without repeats: a file as it is, a folder's load
 * files (recursively, skipping node_modules and dot-folders), a glob's matches. Something that names
 * nothing is a problem, said with the argument.
 */
export async function findLoadFiles(args: readonly string[], cwd: string): Promise<{ files: string[] } | { problem: string }> {
  const files = new Set<string>();
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isFile()) {
      files.add(absolute);
      continue;
    }
    let matches: string[];
    if (info?.isDirectory()) matches = await loadFilesUnder(absolute);
    else if (GLOB_CHARS.test(arg)) {
      matches = [];
      for await (const match of glob(arg, { cwd, exclude: name => name === 'node_modules' || (name.startsWith('.') && name !== '.' && name !== '..') })) {
        const file = path.resolve(cwd, match);
        if ((await stat(file).catch(() => undefined))?.isFile()) matches.push(file);
      }
    } else return { problem: `'${arg}': no such file or folder` };
    if (matches.length === 0) {
      return { problem: info?.isDirectory() ? `'${arg}': no *.load.ts, *.load.js or *.load.mjs file under this folder` : `'${arg}': no file matches this pattern` };
    }
    for (const match of matches) files.add(match);
  }
  return { files: [...files].sort() };
}

async function loadFilesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...await loadFilesUnder(full));
    else if (entry.isFile() && LOAD_FILE.test(entry.name)) found.push(full);
  }
  return found;
}

/** A path as the user reads it: relative to the current folder, with forward slashes (as CI servers show paths). */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return (relative.startsWith('..') || path.isAbsolute(relative) ? file : relative).split(path.sep).join('/');
}

/** `tests/shop.load.ts` → `tests-shop.load`: a file name for a scenario's reports, unique per load file. */
function reportStem(shown: string): string {
  return shown.replace(/\.(ts|js|mjs)$/, '').replace(/^[./]+/, '').replace(/[/\\:]/g, '-');
}

/** `tests/shop.load.ts` → `tests.shop`: the package part of a JUnit classname. */
function classPrefix(shown: string): string {
  return shown.replace(/\.load\.(ts|js|mjs)$/, '').replace(/^[./]+/, '').replace(/[/\\.]+/g, '.');
}

function scenarioStatus(result: ScenarioResult): 'passed' | 'failed' | 'error' | 'skipped' {
  if (result.skipped) return 'skipped';
  if (!result.report) return 'error';
  if (runOutcome(result.report).status === 'errored' || result.exitCode >= EXIT.invalid) return 'error';
  return scenarioPassed(result.report) ? 'passed' : 'failed';
}

/** The table printed at the end: one line per scenario, then the totals. */
export function formatTestSummary(results: readonly FileResult[]): string {
  const marks = { passed: '✓', failed: '✗', error: '!', skipped: '-' } as const;
  const rows: string[][] = [];
  for (const file of results) {
    const shown = displayPath(file.file);
    if (file.invalid !== undefined) rows.push(['!', shown, '', '', '', '', `does not load: ${singleLine(file.invalid[0]?.message ?? '')}${file.invalid.length > 1 ? ` (and ${file.invalid.length - 1} more)` : ''}`]);
    for (const result of file.scenarios) {
      const status = scenarioStatus(result);
      const report = result.report;
      const thresholds = report?.thresholds ?? [];
      const breached = thresholds.filter(t => !t.ok);
      const outcome = report ? runOutcome(report) : undefined;
      const note = result.problem !== undefined ? singleLine(result.problem.split('\n')[0] ?? '')
        : outcome && outcome.status !== 'passed' ? outcome.message
          : breached.length > 0 ? breached.map(thresholdMessage).join('; ')
            : thresholds.length === 0 ? 'no thresholds' : `${thresholds.length}/${thresholds.length} thresholds passed`;
      rows.push([
        marks[status], shown, singleLine(result.scenario),
        report ? `${(report.durationMs / 1000).toFixed(1)} s` : '',
        report ? String(report.totals.requests) : '',
        report ? String(report.totals.failures) : '',
        singleLine(note),
      ]);
    }
  }
  const header = ['', 'File', 'Scenario', 'Time', 'Requests', 'Fails', 'Result'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map(row => row[i]!.length)));
  const right = new Set([3, 4, 5]);
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : padCells(cell, widths[i]!, right.has(i) ? 'right' : 'left'))).join('  ').trimEnd();
  const all = results.flatMap(r => r.scenarios);
  const counts = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const result of all) counts[scenarioStatus(result)]++;
  const invalidFiles = results.filter(r => r.invalid !== undefined).length;
  const totals = [
    `${all.length} ${all.length === 1 ? 'scenario' : 'scenarios'} in ${results.length} ${results.length === 1 ? 'file' : 'files'}`,
    `${counts.passed} passed`, `${counts.failed} failed`,
    ...(counts.error > 0 ? [`${counts.error} errors`] : []),
    ...(counts.skipped > 0 ? [`${counts.skipped} not run`] : []),
    ...(invalidFiles > 0 ? [`${invalidFiles} ${invalidFiles === 1 ? 'file does' : 'files do'} not load`] : []),
  ];
  return `Test summary\n${line(header)}\n${rows.map(line).join('\n')}\n${totals.join(' · ')}\n`;
}

/** The JUnit suites: a suite per file; per scenario a case per threshold and one "ran to the end". */
function junitSuites(results: readonly FileResult[]): JUnitSuite[] {
  return results.map(file => {
    const shown = displayPath(file.file);
    const prefix = classPrefix(shown);
    const cases: JUnitCase[] = [];
    if (file.invalid !== undefined) {
      const text = file.invalid.map(d => `${displayPath(d.file)}:${d.line}:${d.column}: ${d.message}`).join('\n');
      cases.push({ name: 'loads', classname: prefix, time: 0, error: { message: `does not load: ${file.invalid[0]?.message ?? ''}`, type: 'invalid', text } });
    }
    for (const result of file.scenarios) {
      const classname = `${prefix}.${result.scenario}`;
      const report = result.report;
      if (result.skipped) {
        cases.push({ name: RAN_TO_THE_END, classname, time: 0, skipped: result.problem ?? 'not run' });
        continue;
      }
      if (!report) {
        cases.push({ name: RAN_TO_THE_END, classname, time: 0, error: { message: result.problem?.split('\n')[0] ?? 'the run did not start', type: 'invalid', text: result.problem ?? '' } });
        continue;
      }
      const outcome = runOutcome(report);
      const where = `${shown} › ${result.scenario} (run ${report.header.runId}, stopped: ${report.stopReason})`;
      const ran: JUnitCase = { name: RAN_TO_THE_END, classname, time: report.durationMs / 1000, systemOut: where };
      if (outcome.status === 'errored') ran.error = { message: outcome.message, type: 'aborted', text: outcome.details };
      else if (outcome.status === 'failed') ran.failure = { message: outcome.message, type: 'iteration-errors', text: outcome.details };
      else if (result.exitCode === EXIT.internalError) ran.error = { message: 'an internal error in Loadlens (or a report could not be written); see the log', type: 'internal-error', text: '' };
      cases.push(ran);
      // A threshold is judged on the run above: its time is in that case, so a suite's time adds up to its runs.
      for (const threshold of report.thresholds) {
        const testCase: JUnitCase = { name: threshold.expression, classname, time: 0 };
        if (!threshold.ok) {
          const at = threshold.location ? `at ${displayPath(threshold.location.file)}:${threshold.location.line}\n` : '';
          testCase.failure = { message: thresholdMessage(threshold), type: 'threshold', text: `${thresholdMessage(threshold)}\n${at}${thresholdEvidence(report, threshold).text}` };
        }
        cases.push(testCase);
      }
    }
    const first = file.scenarios.find(s => s.report)?.report;
    return { name: shown, file: shown, cases, ...(first ? { timestamp: new Date(first.header.startedAt).toISOString() } : {}) };
  });
}

/**
 * GitHub Actions workflow commands: an `::error` at each breached threshold's line (at the scenario's
 * file otherwise), and at a run that was aborted. Values escaped as the runner expects.
 */
export function githubAnnotations(results: readonly FileResult[]): string {
  const lines: string[] = [];
  const data = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (value: string) => data(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
  for (const file of results) {
    const shown = displayPath(file.file);
    for (const d of file.invalid ?? []) lines.push(`::error file=${property(displayPath(d.file))},line=${d.line},col=${d.column},title=${property('loadlens: the file does not load')}::${data(d.message)}`);
    for (const result of file.scenarios) {
      const report = result.report;
      if (!report) continue;
      const outcome = runOutcome(report);
      if (outcome.status !== 'passed') lines.push(`::error file=${property(shown)},title=${property(`loadlens: ${result.scenario}`)}::${data(outcome.message)}`);
      for (const threshold of report.thresholds.filter(t => !t.ok)) {
        const at = threshold.location ? `,line=${threshold.location.line},col=${threshold.location.column}` : '';
        const evidence = thresholdEvidence(report, threshold);
        const traces = evidence.traceIds.length > 0 ? ` (traces ${evidence.traceIds.slice(0, 3).join(', ')})` : '';
        lines.push(`::error file=${property(threshold.location ? displayPath(threshold.location.file) : shown)}${at},title=${property(`loadlens: ${result.scenario} threshold breached`)}::${data(`${thresholdMessage(threshold)}${traces}`)}`);
      }
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
