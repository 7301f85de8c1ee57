// Status bar item while a run is live: users · RPS · failures; click to stop.
import * as vscode from 'vscode';
import type { EngineToHost } from '../../shared/protocol.ts';
import { EXIT } from '../../shared/report.ts';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);

  show(message: EngineToHost): void {
    switch (message.kind) {
      case 'started':
        this.item.text = `$(loading~spin) Loadlens ${message.header.scenario}: starting`;
        this.item.tooltip = 'Loadlens run in progress: click to stop';
        this.item.command = 'loadlens.stop-run';
        this.item.show();
        break;
      case 'stats': {
        const { users, current, totals } = message.snapshot;
        this.item.text = `$(pulse) ${users} users · ${current.rps.toFixed(1)} RPS · ${totals.failures} failures`;
        break;
      }
      case 'finished': {
        // The run's verdict (its exit code): a breached threshold or a run ended by force is not a ✓.
        const { requests, failures } = message.report.totals;
        const verdict = message.exitCode === EXIT.passed ? '$(check)' : message.exitCode === EXIT.thresholdFailed ? '$(error)' : '$(warning)';
        const why = message.exitCode === EXIT.thresholdFailed ? ' · thresholds failed' : message.exitCode === EXIT.aborted ? ' · ended by force' : '';
        this.item.text = `${verdict} Loadlens: ${requests} requests, ${failures} failures${why}`;
        this.item.tooltip = 'Last Loadlens run: click to show the results';
        this.item.command = 'loadlens.show-results';
        break;
      }
      default:
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
