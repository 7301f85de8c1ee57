// The "Loadlens" output channel, remembering what it was given (bounded) so the integration tests can
// check what the user was shown, e.g. that no secret header value ever reached it.
import * as vscode from 'vscode';

/** How much of the channel's text is kept for {@link RecordedOutputChannel.text}: the newest part. */
const KEPT_CHARACTERS = 1_000_000;

export class RecordedOutputChannel implements vscode.OutputChannel {
  readonly name: string;
  private readonly channel: vscode.OutputChannel;
  private recorded = '';

  constructor(name: string) {
    this.name = name;
    this.channel = vscode.window.createOutputChannel(name);
  }

  /** The text appended since the channel was made (or last cleared), its newest megabyte at most. */
  text(): string {
    return this.recorded;
  }

  append(value: string): void {
    this.record(value);
    this.channel.append(value);
  }

  appendLine(value: string): void {
    this.record(`${value}\n`);
    this.channel.appendLine(value);
  }

  replace(value: string): void {
    this.recorded = '';
    this.record(value);
    this.channel.replace(value);
  }

  clear(): void {
    this.recorded = '';
    this.channel.clear();
  }

  show(preserveFocus?: boolean): void;
  show(column?: vscode.ViewColumn, preserveFocus?: boolean): void;
  show(first?: boolean | vscode.ViewColumn, preserveFocus?: boolean): void {
    if (typeof first === 'boolean' || first === undefined) this.channel.show(first);
    else this.channel.show(first, preserveFocus);
  }

  hide(): void {
    this.channel.hide();
  }

  dispose(): void {
    this.channel.dispose();
  }

  private record(value: string): void {
    this.recorded += value;
    if (this.recorded.length > KEPT_CHARACTERS) this.recorded = this.recorded.slice(-KEPT_CHARACTERS);
  }
}
