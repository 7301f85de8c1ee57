// Where a click on a trace id goes: the user's platform (a preset or their template) or, with none,
// Loadlens's own trace view fed by the embedded receiver.
import * as vscode from 'vscode';
import type { LoadlensSettings } from '../../shared/settings.ts';
import { buildTraceLink, TraceLinkSettingError, traceLinkTemplate, type TraceLinkTarget } from '../../shared/trace-link.ts';
import type { EmbeddedReceiver } from '../otel/embedded-receiver.ts';
import { TraceView, type TraceViewDeps } from './trace-view.ts';

export interface TraceOpenerDeps {
  output: vscode.OutputChannel;
  settings(): LoadlensSettings;
  receiver: EmbeddedReceiver;
  copy(text: string): void;
}

export interface TraceOpener {
  /**
   * Opens one trace: in the user's platform (a preset or their template) with the run's time range,
   * the load generator's service name and the run id filled in; else in Loadlens's own trace view.
   */
  openTrace(target: TraceLinkTarget): void;
  /** What the trace views (opened here or restored after a reload) are given. */
  viewDeps: TraceViewDeps;
}

export function createTraceOpener(context: vscode.ExtensionContext, deps: TraceOpenerDeps): TraceOpener {
  const { output, settings } = deps;
  const viewDeps: TraceViewDeps = {
    receiver: deps.receiver,
    platform: () => {
      try {
        return traceLinkTemplate(settings().otel.traceLink) === undefined ? undefined : settings().otel.traceLink.preset;
      } catch {
        return undefined; // a broken platform setting: openTrace says what is wrong when it is clicked
      }
    },
    openTrace: target => openTrace(target),
    copy: deps.copy,
  };
  const openTrace = (given: TraceLinkTarget): void => {
    // The engine's service.name: OTEL_SERVICE_NAME of the editor's environment wins, as in the engine.
    const target: TraceLinkTarget = { service: process.env.OTEL_SERVICE_NAME || settings().otel.serviceName, ...given };
    let template: string | undefined;
    try {
      template = traceLinkTemplate(settings().otel.traceLink);
    } catch (error) {
      if (!(error instanceof TraceLinkSettingError)) throw error;
      output.appendLine(`[trace link] ${error.message}`);
      void vscode.window.showErrorMessage(`Loadlens: ${error.message}`, 'Open Setting').then(choice => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', error.setting);
      });
      return;
    }
    if (template === undefined) {
      // Preset 'embedded' (the default): Loadlens's own trace view, from the embedded receiver.
      TraceView.show(context.extensionUri, target, viewDeps);
      return;
    }
    const url = buildTraceLink(template, target);
    output.appendLine(`[trace link] ${url}`);
    // Passed as the string itself: a vscode.Uri would decode and re-encode the query, which changes
    // encoded JSON such as Grafana's `panes`; the extension host parses a string but opens it verbatim.
    void vscode.env.openExternal(url as unknown as vscode.Uri);
  };
  return { openTrace, viewDeps };
}

/** A trace id typed by the user (the command palette's "Open Trace"), validated as 32 hex digits. */
export async function askTraceId(): Promise<TraceLinkTarget | undefined> {
  const traceId = await vscode.window.showInputBox({
    prompt: 'Trace id (32 hex digits)',
    validateInput: value => (/^[0-9a-f]{32}$/i.test(value.trim()) ? undefined : 'A W3C trace id: 32 hexadecimal digits'),
  });
  return traceId ? { traceId: traceId.trim().toLowerCase() } : undefined;
}
