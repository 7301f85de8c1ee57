/**
 * Entry of dist/engine.js and of the `loadlens` command.
 *   loadlens run FILE [flags]   run a scenario headless in this terminal (see `loadlens --help`)
 *   loadlens check FILE [--json] validate every scenario in a file without running it
 *   loadlens test [PATHS…]      every scenario of the load files as a test, in turn (CI: --junit FILE)
 *   loadlens compare A B        compare two JSON reports; exit 1 on a regression (a CI gate)
 *   loadlens merge A B …        the reports of a run's shards (--shard i/N) into the whole run's report
 *   loadlens k8s FILE --shards N  print the YAML of a Kubernetes Indexed Job running N shards of a scenario
 *   loadlens ipc                the child the VS Code extension forks: typed messages over the IPC channel
 *   loadlens worker             one worker process of `run --workers N` (forked by it; see run/workers.ts)
 */
import path from 'node:path';
import { useBundledEsbuild } from './scenario/esbuild-binary.ts';
import { isMainThread, workerData } from 'node:worker_threads';
import type { UsersWorkerData } from './run/users-protocol.ts';
import { runUsersWorker } from './run/users-worker.ts';
import { runWorkerProcess } from './run/worker-process.ts';
import { checkCommand } from './cli/check.ts';
import { ENGINE_VERSION, EXIT } from './cli/common.ts';
import { compareCommand } from './cli/compare.ts';
import { ipcCommand } from './cli/ipc.ts';
import { k8sCommand } from './cli/k8s.ts';
import { mergeCommand } from './cli/merge.ts';
import { USAGE, heapLimitFromEnv, runCommand } from './cli/run.ts';
import { testCommand } from './cli/test.ts';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'check':
      return checkCommand(rest);
    case 'test':
      return testCommand(rest);
    case 'ipc':
      return ipcCommand();
    case 'worker':
      return runWorkerProcess({ workerFile: process.argv[1]!, heapLimitMb: heapLimitFromEnv(), stuckAfterMs: Number(process.env.LOADLENS_STUCK_AFTER_MS) || undefined });
    case 'compare':
      return compareCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'k8s':
      return k8sCommand(rest);
    case '-v':
    case '--version':
      process.stdout.write(`loadlens ${ENGINE_VERSION} (node ${process.version})\n`);
      return EXIT.passed;
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.invalid : EXIT.passed;
    default:
      process.stderr.write(`loadlens: unknown command '${command}'\n\n${USAGE}\n`);
      return EXIT.invalid;
  }
}

// The users worker is this same script in a worker thread (see coordinator.ts).
const usersWorker = !isMainThread && (workerData as UsersWorkerData | undefined)?.kind === 'loadlens-users';
// Run when executed (dist/engine.js, bin/loadlens.js, or `node src/engine/main.ts`), not when imported by tests.
const invokedAs = process.argv[1] ? path.basename(process.argv[1]) : '';
if (usersWorker) {
  useBundledEsbuild();
  void runUsersWorker(workerData as UsersWorkerData);
} else if (/^(engine(-undici8)?\.js|loadlens(\.js)?|main\.ts)$/.test(invokedAs) && isMainThread) {
  useBundledEsbuild();
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
    // Everything is written. An OTLP exporter may still retry a down collector in the background
    // (up to OTEL_EXPORTER_OTLP_TIMEOUT): do not wait for it. Unref'd: a clean exit comes first.
    setTimeout(() => process.exit(code), 200).unref();
  }, (error: Error) => {
    process.stderr.write(`loadlens: internal error: ${error.stack ?? error.message}\n`);
    process.exitCode = EXIT.internalError;
  });
}
