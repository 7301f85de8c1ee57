// One run of a scenario from the editor: the file saved, the run request from the settings and the
// command's options, the OTEL_* environment, the panel opened when the run starts, the report saved
// in the history, and a run that could not start shown as Problems or as the engine's error.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunOverrides, RunSpec } from '../../shared/run.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import type { WorkersSetting } from '../../shared/workers.ts';
import type { ScenarioTarget } from '../authoring/codelens.ts';
import type { ScenarioChecks } from '../authoring/diagnostics.ts';
import type { ScenarioDecorations } from '../authoring/scenario-decorations.ts';
import { withRunBreakdown } from '../../shared/breakdown/live.ts';
import type { RunHistory } from '../history/run-history.ts';
import { otlpEnvironment, type EmbeddedReceiver } from '../otel/index.ts';
import type { ShownRun } from '../results/index.ts';
import { ResultsPanel, type PanelEvents } from '../results/results-panel.ts';
import type { RunController, RunLaunch, RunOutcome } from './run-controller.ts';

/** Why nothing runs in Restricted Mode (an untrusted folder). */
export const UNTRUSTED_MESSAGE =
  'Loadlens: this folder is not trusted, so its scenarios do not run: running a scenario executes its code. ' +
  'Trust the folder (Manage Workspace Trust) to run or debug it.';

/** What a run command asks for. */
export interface ScenarioRun {
  /** Export spans and metrics (and loadlens.otel.enabled is on). */
  otel: boolean;
  /** From the CodeLens; none: the active editor's file, the engine picks the scenario. */
  target?: ScenarioTarget | undefined;
  overrides?: RunOverrides;
  /** Worker processes for this run (Options…); default the setting loadlens.run.workers. */
  workers?: WorkersSetting;
  /**
   * A debugged iteration: how to start the engine for the debugger. It runs in one engine process, and
   * is no measurement: its report is not kept in the history.
   */
  debug?: (file: vscode.Uri, scenario: string | undefined) => RunLaunch;
}

export type RunScenario = (run: ScenarioRun) => Promise<RunOutcome | undefined>;

export interface RunScenarioDeps {
  output: vscode.OutputChannel;
  settings(): LoadlensSettings;
  runs: RunController;
  receiver: EmbeddedReceiver;
  history: RunHistory;
  checks: ScenarioChecks;
  events: PanelEvents;
  shown: ShownRun;
  /** The run's numbers on the scenario's lines: they get the breakdown too. */
  decorations?: Pick<ScenarioDecorations, 'onBreakdown' | 'onFinalReport'>;
}

/**
 * After the load, the wait for the spans the application still holds in its batches (OpenTelemetry's
 * SDKs export every 5 s by default): until this long without one of its spans, at most `maxWaitMs`;
 * none when the application sent no span at all. The same figures as `loadlens run --receiver`.
 */
const LATE_SPAN_WAIT = { quietMs: 6000, maxWaitMs: 15_000 };

/** The run's breakdown into the panel and the line hovers as it grows, then into the report. */
function liveBreakdown(deps: RunScenarioDeps, runId: string) {
  const following = deps.receiver.onBreakdown(state => {
    if (state.runId !== runId) return;
    ResultsPanel.showBreakdown(state, false);
    deps.decorations?.onBreakdown(runId, state.rows);
  });
  return {
    runId,
    async finish(outcome: RunOutcome, receiverUrl: string): Promise<void> {
      following.dispose();
      if (outcome.report) ResultsPanel.showBreakdownWaiting(runId);
      const final = await deps.receiver.finishBreakdown(runId, LATE_SPAN_WAIT);
      if (!final || !outcome.report) return;
      if (final.lateSpans > 0 || final.waitedMs >= 1000) deps.output.appendLine(`[otel] ${final.lateSpans} late spans in ${(final.waitedMs / 1000).toFixed(1)} s after the load`);
      outcome.report = withRunBreakdown(outcome.report, final, receiverUrl);
      ResultsPanel.showBreakdown(final, false);
      ResultsPanel.showFinalReport(outcome.report, outcome.exitCode ?? 0);
      deps.decorations?.onFinalReport(outcome.report);
    },
  };
}

export function createRunScenario(context: vscode.ExtensionContext, deps: RunScenarioDeps): RunScenario {
  const { output, runs, history, checks, events, shown } = deps;
  return async ({ otel, target, overrides = {}, workers, debug }) => {
    const settings = deps.settings();
    if (!vscode.workspace.isTrusted) {
      output.appendLine(`[run] ${UNTRUSTED_MESSAGE}`);
      void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then(choice => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return { exitCode: null, problem: UNTRUSTED_MESSAGE };
    }
    const file = target?.[0] ?? vscode.window.activeTextEditor?.document.uri;
    if (!file) {
      void vscode.window.showErrorMessage('Loadlens: open a *.load.ts file, then click Run above a scenario.');
      return undefined;
    }
    await vscode.workspace.textDocuments.find(d => d.uri.toString() === file.toString())?.save();
    const request: RunSpec = {
      file: file.fsPath,
      scenario: target?.[1],
      otel: otel && settings.otel.enabled,
      serviceName: settings.otel.serviceName,
      overrides,
      defaults: { users: settings.run.users, spawnRate: settings.run.spawnRate, runTime: settings.run.runTime, host: settings.run.host },
      // The debugger attaches to one engine process: a debugged run never forks workers.
      workers: debug ? 1 : workers ?? settings.run.workers,
    };
    let environment: Record<string, string> = {};
    let receiverUrl: string | undefined;
    try {
      if (request.otel) ({ environment, receiverUrl } = await otlpEnvironment({ secrets: context.secrets, output, settings, receiver: deps.receiver }));
    } catch (error) {
      const message = `Loadlens: could not start the OTLP receiver on port ${settings.otel.receiverPort} (loadlens.otel.receiverPort): ${(error as Error).message}`;
      output.appendLine(message);
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
    // The embedded receiver breaks this run's requests down: the run gets its id here, so the receiver
    // knows its spans from the first one on.
    const breakdown = receiverUrl === undefined ? undefined : liveBreakdown(deps, randomUUID());
    if (breakdown) {
      request.runId = breakdown.runId;
      await deps.receiver.beginBreakdown(breakdown.runId);
    }
    const launch = debug ? debug(file, request.scenario) : {};
    // The panel opens when the run starts: a scenario that cannot start shows its Problems instead.
    // The run's messages reach the panel's record from the listener below, whether a panel is open or
    // not; a panel that opens gets the record when its page is ready.
    ResultsPanel.setOtlpReceiver(receiverUrl);
    const opening = runs.onMessage(message => {
      if (message.kind !== 'started') return;
      opening.dispose();
      ResultsPanel.createOrShow(context.extensionUri, events);
    });
    const outcome = await runs.run(request, environment, launch).finally(() => opening.dispose());
    if (breakdown) await breakdown.finish(outcome, receiverUrl!);
    // Saved before the command resolves, so whoever ran it (a test, a task) finds it in the history. A
    // debugged iteration is no measurement: not kept.
    if (outcome.report && !debug) shown.file = (await history.save(outcome.report)) ?? shown.file;
    if (outcome.invalid && outcome.invalid.diagnostics.length > 0) {
      checks.showRunProblems(file, outcome.invalid.diagnostics);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      const count = outcome.invalid.diagnostics.length + outcome.invalid.problems.length;
      void vscode.window.showErrorMessage(`Loadlens: '${path.basename(file.fsPath)}' has ${count} problem(s); the run did not start. See the Problems panel.`);
    } else if (outcome.problem) {
      ResultsPanel.createOrShow(context.extensionUri, events);
      ResultsPanel.showEngineError(outcome.problem);
      void vscode.window.showErrorMessage(`Loadlens: ${outcome.problem.split('\n')[0]}`, 'Show Output').then(choice => choice && output.show());
    }
    return outcome;
  };
}
