// Runs the Testing view's scenarios: one after another (never in parallel: they would distort each
// other's numbers), each through the same command as its CodeLens (so the same run controller, the
// results panel, the history), then judges each scenario and threshold from the run's report with the
// verdicts `loadlens test` uses (src/shared/test-verdict.ts).
import * as vscode from 'vscode';
import type { Diagnostic, RunReport, ThresholdResult } from '../../shared/report.ts';
import { openTraceCommandUri, OPEN_TRACE_COMMAND } from '../../shared/scenario-annotations.ts';
import { matchThresholdResults, runOutcome, thresholdEvidence, thresholdMessage } from '../../shared/test-verdict.ts';
import { runTimeRange } from '../../shared/trace-link.ts';
import { formatSummary } from '../../engine/outputs/terminal.ts';
import type { RunController, RunOutcome } from '../run/run-controller.ts';
import type { TestTree } from './test-tree.ts';

/** The three run profiles and the command each runs a scenario with (the CodeLens's commands). */
export type ProfileKind = 'run' | 'otel' | 'debug';
const COMMANDS: Record<ProfileKind, string> = { run: 'loadlens.run-scenario-plain', otel: 'loadlens.run-scenario', debug: 'loadlens.debug-scenario' };

export type ResultState = 'started' | 'passed' | 'failed' | 'errored' | 'skipped';

/** What an item was last marked, as given to VS Code (the integration tests read it). */
export interface RecordedResult {
  state: ResultState;
  /** Each message's text and its 1-based line, when it has a location. */
  messages: { text: string; line?: number; file?: string }[];
  durationMs?: number;
}

export interface TestRunnerDeps {
  tree: TestTree;
  controller: vscode.TestController;
  /** The run controller: stopped as the results panel's Stop button does (its report is kept). */
  runs: Pick<RunController, 'stop' | 'onMessage'>;
}

export class TestRunner {
  /** Every item's last result, by id: what this runner told VS Code. */
  readonly results = new Map<string, RecordedResult>();
  /** The text the last runs appended to the Testing view's output. */
  output = '';
  private readonly deps: TestRunnerDeps;

  constructor(deps: TestRunnerDeps) {
    this.deps = deps;
  }

  async run(kind: ProfileKind, request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const scenarios = await this.deps.tree.scenariosOf(request.include, request.exclude);
    const run = this.deps.controller.createTestRun(request);
    try {
      for (const [index, scenario] of scenarios.entries()) {
        if (token.isCancellationRequested) {
          for (const rest of scenarios.slice(index)) this.mark(run, rest, 'skipped');
          break;
        }
        await this.runScenario(kind, run, scenario, token);
      }
    } finally {
      run.end();
    }
  }

  private async runScenario(kind: ProfileKind, run: vscode.TestRun, scenario: vscode.TestItem, token: vscode.CancellationToken): Promise<void> {
    const data = this.deps.tree.dataOf(scenario);
    if (data?.kind !== 'scenario') return;
    const thresholds = [...scenario.children].map(([, item]) => item);
    this.mark(run, scenario, 'started');
    for (const item of thresholds) this.mark(run, item, 'started');
    // Cancel = the Stop button: the engine stops gracefully and the report still comes back. A cancel
    // before the engine has started its run (it reads no stop until then) stops it once it has.
    const cancelled = token.onCancellationRequested(() => this.deps.runs.stop());
    const startedLate = this.deps.runs.onMessage(message => {
      if (message.kind === 'started' && token.isCancellationRequested) this.deps.runs.stop();
    });
    let outcome: RunOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS[kind], data.uri, data.scenario);
    } catch (error) {
      outcome = { exitCode: null, problem: (error as Error).message };
    } finally {
      cancelled.dispose();
      startedLate.dispose();
    }
    const report = outcome?.report;
    if (report) this.appendOutput(run, scenario, `${formatSummary(report, { width: 120, color: true })}\n`);
    if (!outcome || !report) {
      const messages = outcome?.invalid ? diagnosticMessages(outcome.invalid.diagnostics, outcome.invalid.problems) : [new vscode.TestMessage(outcome?.problem ?? 'The run did not start.')];
      if (outcome?.problem) this.appendOutput(run, scenario, `${outcome.problem}\n`);
      this.mark(run, scenario, 'errored', messages);
      for (const item of thresholds) this.mark(run, item, 'skipped');
      return;
    }
    if (token.isCancellationRequested) {
      // Stopped part-way: nothing is judged on a partial run; the report is kept in the panel and history.
      this.appendOutput(run, scenario, `Cancelled: stopped after ${(report.durationMs / 1000).toFixed(1)} s; its report is kept.\n`);
      this.mark(run, scenario, 'skipped');
      for (const item of thresholds) this.mark(run, item, 'skipped');
      return;
    }
    this.judge(kind, run, scenario, thresholds, report);
  }

  /** Marks the scenario and its thresholds from the report. */
  private judge(kind: ProfileKind, run: vscode.TestRun, scenario: vscode.TestItem, thresholds: vscode.TestItem[], report: RunReport): void {
    const duration = report.durationMs;
    const written = thresholds.flatMap(item => {
      const data = this.deps.tree.dataOf(item);
      return data?.kind === 'threshold' ? [{ item, key: data.key, line: data.line }] : [];
    });
    const { matched, unmatched } = matchThresholdResults(written, report.thresholds);
    const outcome = runOutcome(report);
    const breached: vscode.TestMessage[] = [];
    for (const entry of written) {
      const result = matched.get(entry);
      // A debugged run is one iteration of one user: its numbers judge nothing.
      if (!result || kind === 'debug') this.mark(run, entry.item, 'skipped');
      else if (result.ok) this.mark(run, entry.item, 'passed', [], duration);
      else {
        const message = thresholdTestMessage(report, result, entry.item);
        breached.push(message);
        this.mark(run, entry.item, 'failed', [message], duration);
      }
    }
    // Thresholds the text did not show (computed keys, shared objects) still decide the scenario.
    if (kind !== 'debug') for (const result of unmatched.filter(t => !t.ok)) breached.push(thresholdTestMessage(report, result, scenario));
    if (outcome.status === 'errored') this.mark(run, scenario, 'errored', [new vscode.TestMessage(`${outcome.message}\n${outcome.details}`)], duration);
    else if (outcome.status === 'failed') this.mark(run, scenario, 'failed', [iterationErrorsMessage(report, `${outcome.message}\n${outcome.details}`, scenario)], duration);
    else if (breached.length > 0) this.mark(run, scenario, 'failed', breached, duration);
    else this.mark(run, scenario, 'passed', [], duration);
  }

  private appendOutput(run: vscode.TestRun, item: vscode.TestItem, text: string): void {
    this.output += text;
    // The Testing view's output is a terminal: it wants CRLF line ends.
    run.appendOutput(text.replace(/\r?\n/g, '\r\n'), undefined, item);
  }

  private mark(run: vscode.TestRun, item: vscode.TestItem, state: ResultState, messages: vscode.TestMessage[] = [], durationMs?: number): void {
    switch (state) {
      case 'started': run.started(item); break;
      case 'passed': run.passed(item, durationMs); break;
      case 'skipped': run.skipped(item); break;
      case 'failed': run.failed(item, messages, durationMs); break;
      case 'errored': run.errored(item, messages, durationMs); break;
    }
    this.results.set(item.id, {
      state,
      messages: messages.map(m => ({
        text: typeof m.message === 'string' ? m.message : unescapeMarkdown(m.message.value),
        ...(m.location ? { line: m.location.range.start.line + 1, file: m.location.uri.fsPath } : {}),
      })),
      ...(durationMs === undefined ? {} : { durationMs }),
    });
  }
}

/**
 * A breached threshold as the Testing view shows it: `errorRate < 1% — actual 100%` at the threshold's
 * line, the rows it read and links that open the newest failing traces.
 */
export function thresholdTestMessage(report: RunReport, result: ThresholdResult, item: vscode.TestItem): vscode.TestMessage {
  const evidence = thresholdEvidence(report, result);
  const context = { runId: report.header.runId, ...runTimeRange(report.header.startedAt, Date.parse(report.endedAt), Date.parse(report.endedAt)) };
  const links = evidence.traceIds.map(traceId => `[${traceId}](${openTraceCommandUri({ traceId, ...context })})`);
  const markdown = new vscode.MarkdownString(`**${escapeMarkdown(thresholdMessage(result))}**\n\n`);
  markdown.appendCodeblock(evidence.text, 'text');
  if (links.length > 0) markdown.appendMarkdown(`\n\nNewest failing traces: ${links.join(' · ')}`);
  markdown.isTrusted = { enabledCommands: [OPEN_TRACE_COMMAND] };
  const message = new vscode.TestMessage(markdown);
  const at = result.location
    ? new vscode.Location(vscode.Uri.file(result.location.file), new vscode.Position(result.location.line - 1, result.location.column - 1))
    : item.uri && item.range ? new vscode.Location(item.uri, item.range) : undefined;
  if (at) message.location = at;
  return message;
}

/** Iterations that threw, in a scenario without thresholds: at the first error's line. */
function iterationErrorsMessage(report: RunReport, text: string, scenario: vscode.TestItem): vscode.TestMessage {
  const message = new vscode.TestMessage(text);
  const where = /^(.*):(\d+):(\d+)$/.exec(report.iterationErrors[0]?.where ?? '');
  if (where) message.location = new vscode.Location(vscode.Uri.file(where[1]!), new vscode.Position(Number(where[2]) - 1, Number(where[3]) - 1));
  else if (scenario.uri && scenario.range) message.location = new vscode.Location(scenario.uri, scenario.range);
  return message;
}

function diagnosticMessages(diagnostics: readonly Diagnostic[], problems: readonly string[]): vscode.TestMessage[] {
  const messages = diagnostics.map(d => {
    const message = new vscode.TestMessage(d.message);
    message.location = new vscode.Location(vscode.Uri.file(d.file), new vscode.Position(d.line - 1, Math.max(0, d.column - 1)));
    return message;
  });
  return [...messages, ...problems.map(p => new vscode.TestMessage(p))];
}

// Only what would change the line's meaning inside bold text: `<` and the like read as themselves.
const MARKDOWN_SPECIAL = /[\\`*_[\]]/g;

function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, c => `\\${c}`);
}

function unescapeMarkdown(text: string): string {
  return text.replace(/\\([\\`*_[\]])/g, '$1');
}
