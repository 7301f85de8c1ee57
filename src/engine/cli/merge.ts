/**
 * `loadlens merge SHARD.json…`: the reports of a run's shards into the whole run's (run/merge.ts).
 */
import { readFile } from 'node:fs/promises';
import { NdjsonOutput } from '../outputs/ndjson.ts';
import type { Output } from '../outputs/output.ts';
import { TerminalOutput } from '../outputs/terminal.ts';
import { ReportFileError } from '../../shared/compare.ts';
import { MergeError, mergeShardReports, parseShardReportText, type ShardReportFile } from '../run/merge.ts';
import { EXIT, exitCodeOf, parseCommand, reportFilesOption, reportOutputs, traceLinkOption } from './common.ts';

export const MERGE_USAGE = `loadlens merge SHARD.json… [--report PATH] [--json] [--trace-link T]

Merges the reports of one run's shards (loadlens run --shard i/N --run-id ID, in N processes or the
pods of a Kubernetes Job) into the report of the whole run, as if one process had run it: counts are
the sums, percentiles come from the merged histograms, the per-second timeline is aligned by
wall-clock time, and the scenario's thresholds are evaluated again on the whole run. Prints the
summary loadlens run prints.

Each file is a shard's JSON report (--report shard.json) or the output of loadlens run --json (e.g.
kubectl logs of a pod), whose last non-empty line is the report.

Options:
  --report PATH       write the merged report to PATH (.json or .html); may be given twice
  --json              print the merged report as one NDJSON line ({"type":"report",...}), no summary
  --trace-link T      print trace ids as links, as loadlens run does (default: $LOADLENS_TRACE_LINK)

Shards that are missing are named in a warning and in the report's iteration errors.

Exit code: 0 passed, 1 a threshold failed on the whole run, 2 a file is unreadable, not a shard's
report, or the files do not belong together (another run id or scenario, a shard twice), 3 a report
could not be written.`;

/**
 * `loadlens merge`: the shard reports of one run into the whole run's report, printed as `run` prints
 * its summary and written to `--report` files. Exit code as a run's: 0 passed, 1 a threshold failed;
 * 2 for files that are unreadable or do not belong together.
 */
export async function mergeCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('merge', args, {
    report: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'trace-link': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, { atLeast: 1, what: "the shards' report files" }, MERGE_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const traceLink = traceLinkOption('merge', values['trace-link']);
  if (typeof traceLink === 'number') return traceLink;
  const reportFiles = await reportFilesOption('merge', values.report ?? []);
  if (typeof reportFiles === 'number') return reportFiles;

  let merged;
  try {
    const shards = await Promise.all(positionals.map(async (file): Promise<ShardReportFile> => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new ReportFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      return { file, report: parseShardReportText(text, file) };
    }));
    merged = mergeShardReports(shards);
  } catch (error) {
    if (!(error instanceof ReportFileError) && !(error instanceof MergeError)) throw error;
    process.stderr.write(`loadlens merge: ${error.message}\n`);
    return EXIT.invalid;
  }
  for (const warning of merged.warnings) process.stderr.write(`loadlens merge: warning: ${warning}\n`);

  const service = process.env.OTEL_SERVICE_NAME || 'loadlens';
  const outputs: Output[] = [
    values.json ? new NdjsonOutput(process.stdout) : new TerminalOutput(process.stdout, { traceLink, service, reportFiles }),
    ...reportOutputs(reportFiles, { traceLink, service }),
  ];
  const written = await Promise.allSettled(outputs.map(output => output.stop(merged.report)));
  const problems = written.flatMap(result => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
  for (const problem of problems) process.stderr.write(`loadlens: could not write a report: ${problem}\n`);
  return problems.length > 0 ? EXIT.internalError : exitCodeOf(merged.report);
}
