// Traces: the "Open Trace" command and Loadlens's own trace view tabs (restored after a reload).
import * as vscode from 'vscode';
import type { TraceLinkTarget } from '../../shared/trace-link.ts';
import { askTraceId, type TraceOpener } from './open-trace.ts';
import { TRACE_VIEW_TYPE, TraceView, TraceViewSerializer } from './trace-view.ts';

export { createTraceOpener, type TraceOpener } from './open-trace.ts';
export { TraceView } from './trace-view.ts';

export function register(context: vscode.ExtensionContext, deps: TraceOpener): vscode.Disposable[] {
  return [
    vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, new TraceViewSerializer(context.extensionUri, deps.viewDeps)),
    { dispose: () => TraceView.all.forEach(view => view.dispose()) },
    // Takes a TraceLinkTarget (hovers pass one through a command URI) or a bare trace id; with none, asks.
    vscode.commands.registerCommand('loadlens.open-trace', async (given?: TraceLinkTarget | string) => {
      const target = typeof given === 'string' ? { traceId: given } : given ?? (await askTraceId());
      if (!target) return;
      if (typeof target.traceId !== 'string' || !/^[0-9a-f]{32}$/i.test(target.traceId)) {
        void vscode.window.showErrorMessage(`Loadlens: Open Trace needs a trace id of 32 hexadecimal digits, got ${JSON.stringify(target.traceId)}`);
        return;
      }
      deps.openTrace(target);
    }),
  ];
}
