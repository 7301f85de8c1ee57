// The panel's Export buttons: a run's report saved where the user says, the same files
// `loadlens run --report` writes.
import * as vscode from 'vscode';
import { renderHtmlReport } from '../../engine/outputs/report-html.ts';
import type { RunReport } from '../../shared/report.ts';
import type { LoadlensSettings } from '../../shared/settings.ts';
import { traceLinkTemplate } from '../../shared/trace-link.ts';

/**
 * Saves a run's report where the user says: the HTML page (trace ids linked as the settings say) or
 * the JSON report. `target` skips the save dialog (tests).
 */
export async function exportReport(report: RunReport, format: 'html' | 'json', settings: LoadlensSettings, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `${report.header.scenario}-${new Date(report.header.startedAt).toISOString().replace(/[:.]/g, '-')}.${format}`;
  const uri = target ?? await vscode.window.showSaveDialog({
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    filters: format === 'html' ? { 'HTML report': ['html'] } : { 'JSON report': ['json'] },
    title: `Export the ${format.toUpperCase()} report of ${report.header.scenario}`,
  });
  if (!uri) return undefined;
  let traceLink: string | undefined;
  try {
    traceLink = traceLinkTemplate(settings.otel.traceLink);
  } catch {
    traceLink = undefined; // a broken platform setting: the page shows trace ids as text
  }
  const content = format === 'html'
    ? renderHtmlReport(report, { ...(traceLink === undefined ? {} : { traceLink }), service: process.env.OTEL_SERVICE_NAME || settings.otel.serviceName })
    : `${JSON.stringify(report, null, 2)}\n`;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
  void vscode.window.setStatusBarMessage(`Loadlens: report saved to ${uri.fsPath}`, 5000);
  return uri;
}
