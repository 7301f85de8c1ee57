// The default platform: with no OTLP endpoint configured, "Run with OTel" exports to Loadlens's own
// receiver in the extension host (started on the first such run, bounded store), so the whole story
// works with nothing installed. Its endpoint is printed so the user's application can export there too.
import * as vscode from 'vscode';
import { startOtlpReceiver, type OtlpReceiver } from '../receiver/index.ts';

export class EmbeddedReceiver implements vscode.Disposable {
  private receiver: Promise<OtlpReceiver> | undefined;
  private readonly output: vscode.OutputChannel;
  private readonly port: () => number;

  constructor(output: vscode.OutputChannel, port: () => number) {
    this.output = output;
    this.port = port;
  }

  /** The receiver's base URL, starting it on first use: the configured port, or a free one if that is taken. */
  async endpoint(): Promise<string> {
    this.receiver ??= this.start();
    return (await this.receiver).url;
  }

  /** The running receiver, if any run has started it (tests and, later, the trace view read its store). */
  get current(): Promise<OtlpReceiver> | undefined {
    return this.receiver;
  }

  private async start(): Promise<OtlpReceiver> {
    const wanted = this.port();
    let receiver: OtlpReceiver;
    try {
      receiver = await startOtlpReceiver({ port: wanted });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || wanted === 0) throw error;
      receiver = await startOtlpReceiver({ port: 0 });
      this.output.appendLine(`[otel] port ${wanted} is taken (loadlens.otel.receiverPort): using ${receiver.port}`);
    }
    this.output.appendLine(`[otel] Loadlens OTLP receiver on ${receiver.url} (OTLP/HTTP, protobuf or JSON): point your application's OTEL_EXPORTER_OTLP_ENDPOINT here to see its spans with the load test's`);
    return receiver;
  }

  dispose(): void {
    void this.receiver?.then(r => r.close(), () => undefined);
  }
}
