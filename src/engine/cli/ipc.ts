/**
 * `loadlens ipc`: the child the VS Code extension forks; typed messages over the IPC channel
 * (src/shared/protocol.ts), the run itself as `loadlens run` does it.
 */
import { assertNever, type EngineToHost, type HostToEngine } from '../../shared/protocol.ts';
import { IpcOutput } from '../outputs/ipc.ts';
import { ENGINE_VERSION, EXIT, describeInternalError } from './common.ts';
import { exitCodeFor, runUsers } from './run.ts';

/** The extension's child: waits for `start`, streams stats, answers pings, stops on `stop` or a signal. */
export function ipcCommand(): Promise<number> {
  const send = (message: EngineToHost) => process.send?.(message);
  if (!process.send) {
    process.stderr.write('loadlens ipc: must be started by the extension with an IPC channel\n');
    return Promise.resolve(EXIT.invalid);
  }
  let stop: (() => void) | undefined;
  let started = false;
  return new Promise<number>(resolve => {
    const onMessage = async (message: HostToEngine) => {
      switch (message.kind) {
        case 'ping':
          send({ kind: 'pong', seq: message.seq });
          break;
        case 'stop':
          stop?.();
          break;
        case 'start': {
          if (started) break;
          started = true;
          const result = await runUsers(
            message.request,
            () => [new IpcOutput(send)],
            fault => send({ kind: 'internal-error', message: describeInternalError(fault) }),
            {
              onStopper: stopper => (stop = stopper),
              onWorkerLost: message => send({ kind: 'log', level: 'warn', message: `loadlens: ${message}` }),
            },
          ).catch((error: Error) => {
            send({ kind: 'log', level: 'error', message: `loadlens: internal error: ${error.stack ?? error.message}` });
            return undefined;
          });
          let code: number = EXIT.internalError;
          if (result && !result.ok) {
            send({ kind: 'invalid', diagnostics: result.diagnostics, problems: result.problems });
            code = EXIT.invalid;
          } else if (result) code = exitCodeFor(result);
          process.off('message', onMessage);
          process.disconnect?.();
          resolve(code);
          break;
        }
        default:
          assertNever(message);
      }
    };
    process.on('message', onMessage);
    send({ kind: 'ready', pid: process.pid, engineVersion: ENGINE_VERSION });
  });
}
