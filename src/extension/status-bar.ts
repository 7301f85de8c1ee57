// Status bar item while a run is live: users · RPS · failures; click to stop.
import * as vscode from 'vscode';
import type { EngineToHost } from '../shared/protocol.ts';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);

  show(message: EngineToHost): void {
    switch (message.kind) {
      case 'started':
        this.item.text = `$(loading~spin) Loadlens ${message.scenario}: starting`;
        this.item.tooltip = 'Loadlens run in progress: click to stop';
        this.item.command = 'loadlens.stop-run';
        this.item.show();
        break;
      case 'stats': {
        const { users, current, totals } = message.snapshot;
        this.item.text = `$(pulse) ${users} users · ${current.rps.toFixed(1)} RPS · ${totals.failures} failures`;
        break;
      }
      case 'finished':
        this.item.text = `$(check) Loadlens: ${message.report.totals.requests} requests, ${message.report.totals.failures} failures`;
        this.item.tooltip = 'Last Loadlens run: click to show the results';
        this.item.command = 'loadlens.show-results';
        break;
      default:
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
