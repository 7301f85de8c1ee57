// The run's numbers on the scenario's own lines: while and after a run, each `http.*` call shows its
// row's numbers at the end of its line; a hover there lists the failures with links to their traces;
// failed rows and breached thresholds are Warnings in the Problems panel. All of it is cleared when the
// next run of that file starts. The words come from src/shared/scenario-annotations.ts; this file only
// puts them in the editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EngineToHost } from '../../shared/protocol.ts';
import type { RowBreakdown } from '../../shared/breakdown/live.ts';
import type { RequestBreakdown } from '../../shared/breakdown/types.ts';
import type { FailureRow, RequestRow, RunReport, ThresholdResult } from '../../shared/report.ts';
import { hoverMarkdown, lineAnnotations, OPEN_TRACE_COMMAND, scenarioProblems, type LineAnnotation } from '../../shared/scenario-annotations.ts';
import { runTimeRange, type TraceLinkTarget } from '../../shared/trace-link.ts';

/** The scenario files the hover serves (the extension's own file types). */
const SCENARIO_FILES: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.load.{ts,js,mjs}' }];

/** What one file shows: the latest run's annotations and the run the hover's trace links belong to. */
interface FileState {
  annotations: LineAnnotation[];
  /** This run's Problems (they may sit in files the scenario imports). */
  problems: Array<{ file: string; diagnostic: vscode.Diagnostic }>;
  runId: string;
  startedAt: number;
  endedAt?: number;
  /** What the latest annotations were made from, to make them again when the breakdown changes. */
  source?: { rows: readonly RequestRow[]; failures: readonly FailureRow[]; thresholds: readonly ThresholdResult[] };
  /** The run's breakdown so far by row (`method name`), from the embedded receiver: the hover names the top part. */
  breakdowns?: Map<string, RequestBreakdown>;
}

/** One decoration as it was put in an editor, for the integration tests. */
export interface ShownDecoration {
  /** 1-based. */
  line: number;
  text: string;
}

export class ScenarioDecorations implements vscode.Disposable {
  private readonly files = new Map<string, FileState>();
  /** The file of the run in progress (its messages carry no file after 'started'). */
  private current: string | undefined;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('loadlens-run');
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });
  private readonly shown = new Map<string, ShownDecoration[]>();

  /** Follows the engine's messages: 'started' clears the file, 'stats' and 'finished' annotate it. */
  onEngineMessage(message: EngineToHost): void {
    switch (message.kind) {
      case 'started': {
        const { header } = message;
        const file = path.resolve(header.file);
        this.current = file;
        const previous = this.files.get(file);
        this.files.set(file, { annotations: [], problems: [], runId: header.runId, startedAt: header.startedAt });
        this.publishProblems();
        for (const annotated of new Set([file, ...(previous?.annotations.map(a => a.file) ?? [])])) this.render(annotated);
        break;
      }
      case 'stats':
        this.update(message.snapshot.requests, message.snapshot.failures, []);
        break;
      case 'finished':
        this.update(message.report.requests, message.report.failures, message.report.thresholds, Date.parse(message.report.endedAt));
        this.current = undefined;
        break;
      default:
        break;
    }
  }

  /** What the editors of `file` show now, line by line: for the integration tests. */
  decorationsOf(file: string): ShownDecoration[] {
    return this.shown.get(path.resolve(file)) ?? [];
  }

  /** The run's breakdown so far (live from the embedded receiver): the hovers name each row's top part. */
  onBreakdown(runId: string, rows: readonly RowBreakdown[]): void {
    const found = [...this.files].find(([, state]) => state.runId === runId);
    if (!found) return;
    const [file, state] = found;
    state.breakdowns = new Map(rows.map(row => [`${row.method} ${row.name}`, row.breakdown]));
    if (state.source) this.annotate(file, state, state.source.rows, state.source.failures, state.source.thresholds);
  }

  /** The run's final report once its breakdown is in (after the wait for late spans). */
  onFinalReport(report: RunReport): void {
    const found = [...this.files].find(([, state]) => state.runId === report.header.runId);
    if (!found) return;
    const [file, state] = found;
    state.breakdowns = undefined;
    this.annotate(file, state, report.requests, report.failures, report.thresholds);
  }

  private update(rows: readonly RequestRow[], failures: readonly FailureRow[], thresholds: readonly ThresholdResult[], endedAt?: number): void {
    const file = this.current;
    const state = file && this.files.get(file);
    if (!file || !state) return;
    if (endedAt !== undefined && Number.isFinite(endedAt)) state.endedAt = endedAt;
    this.annotate(file, state, rows, failures, thresholds);
  }

  private annotate(file: string, state: FileState, rows: readonly RequestRow[], failures: readonly FailureRow[], thresholds: readonly ThresholdResult[]): void {
    state.source = { rows, failures, thresholds };
    const breakdowns = state.breakdowns;
    const withBreakdowns = breakdowns === undefined ? rows : rows.map(row => {
      const breakdown = row.breakdown ?? breakdowns.get(`${row.method} ${row.name}`);
      return breakdown === undefined ? row : { ...row, breakdown };
    });
    // A row's location is the user's file; an imported helper's calls land in their own file, so
    // each file gets what is at its own lines.
    state.annotations = lineAnnotations(withBreakdowns, failures);
    state.problems = scenarioProblems(rows, failures, thresholds).map(problem => {
      const line = problem.line - 1;
      const start = Math.max(0, problem.column - 1);
      const diagnostic = new vscode.Diagnostic(new vscode.Range(line, start, line, lineEnd(problem.file, line, start)), problem.message, vscode.DiagnosticSeverity.Warning);
      diagnostic.source = 'Loadlens';
      return { file: problem.file, diagnostic };
    });
    this.publishProblems();
    for (const annotated of new Set([file, ...state.annotations.map(a => a.file)])) this.render(annotated);
  }

  /** Every run's Problems, grouped by the file they are in. */
  private publishProblems(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const state of this.files.values()) {
      for (const { file, diagnostic } of state.problems) byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  /** The annotations at `file`'s 1-based `line`, from whichever run annotated that file last. */
  private annotationAt(file: string, line: number): { annotation: LineAnnotation; state: FileState } | undefined {
    for (const state of this.files.values()) {
      const annotation = state.annotations.find(a => a.file === file && a.line === line);
      if (annotation) return { annotation, state };
    }
    return undefined;
  }

  /** Puts `file`'s annotations into every visible editor of it. */
  render(file: string): void {
    const decorations: vscode.DecorationOptions[] = [];
    const shown: ShownDecoration[] = [];
    for (const state of this.files.values()) {
      for (const annotation of state.annotations) {
        if (annotation.file !== file) continue;
        const line = annotation.line - 1;
        const end = lineEnd(file, line, 0);
        const failed = annotation.rows.some(row => row.failures > 0);
        decorations.push({
          range: new vscode.Range(line, end, line, end),
          renderOptions: { after: { contentText: annotation.text, ...(failed ? { color: new vscode.ThemeColor('editorWarning.foreground') } : {}) } },
        });
        shown.push({ line: annotation.line, text: annotation.text });
      }
    }
    this.shown.set(file, shown);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme === 'file' && path.resolve(editor.document.uri.fsPath) === file) editor.setDecorations(this.decoration, decorations);
    }
  }

  /** The hover of an annotated line: its rows and failures with trace links (only the open-trace command is trusted). */
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const found = this.annotationAt(path.resolve(document.uri.fsPath), position.line + 1);
    if (!found) return undefined;
    const { annotation, state } = found;
    const context: Omit<TraceLinkTarget, 'traceId'> = { runId: state.runId, ...runTimeRange(state.startedAt, state.endedAt, Date.now()) };
    const markdown = new vscode.MarkdownString(hoverMarkdown(annotation, context));
    markdown.isTrusted = { enabledCommands: [OPEN_TRACE_COMMAND] };
    return new vscode.Hover(markdown, document.lineAt(position.line).range);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.decoration.dispose();
  }
}

/** The end of `line` in the open document of `file`, else a column past any real line (VS Code clamps it). */
function lineEnd(file: string, line: number, atLeast: number): number {
  const document = vscode.workspace.textDocuments.find(d => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === file);
  if (document && line < document.lineCount) return Math.max(atLeast, document.lineAt(line).range.end.character);
  return Math.max(atLeast, 10_000);
}

/** Wires the decorations to the run controller's messages, the editors and the hover. */
export function register(decorations: ScenarioDecorations, runs: { onMessage: vscode.Event<EngineToHost> }): vscode.Disposable[] {
  return [
    decorations,
    runs.onMessage(message => decorations.onEngineMessage(message)),
    // An editor opened (or brought back) after the numbers came gets them too.
    vscode.window.onDidChangeVisibleTextEditors(editors => {
      for (const file of new Set(editors.filter(e => e.document.uri.scheme === 'file').map(e => path.resolve(e.document.uri.fsPath)))) decorations.render(file);
    }),
    vscode.languages.registerHoverProvider(SCENARIO_FILES, decorations),
  ];
}
