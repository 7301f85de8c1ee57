/**
 * `loadlens compare BASE.json NEW.json`: two reports of a scenario side by side; exit 1 on a regression (a CI gate).
 */
import { readFile } from 'node:fs/promises';
import { type RunReport } from '../../shared/report.ts';
import { comparableReports, compareRuns, DEFAULT_LIMITS, LimitsError, parseRegressionLimits, parseRunReport, ReportFileError } from '../../shared/compare.ts';
import { formatComparison } from '../outputs/compare-table.ts';
import { EXIT, parseCommand } from './common.ts';

export const COMPARE_USAGE = `loadlens compare BASE.json NEW.json [--max-regression LIMITS] [--json]

Compares two JSON reports of the same scenario (--report run.json, the editor's .loadlens/runs/, or
the saved output of loadlens run --json, whose last line is the report): per request name the
change of p50, p95, p99, RPS and error rate, and which changes are regressions.
A change is a regression when it is beyond a relative AND an absolute margin; defaults:
latencies ${pct(DEFAULT_LIMITS.p95.relative)} and ${DEFAULT_LIMITS.p95.absolute} ms, RPS drop ${pct(DEFAULT_LIMITS.rps.relative)} and ${DEFAULT_LIMITS.rps.absolute}/s, error rate ${pct(DEFAULT_LIMITS.errorRate.relative)} and ${DEFAULT_LIMITS.errorRate.absolute} pp.

Options:
  --max-regression L  margins, comma-separated METRIC=VALUE (metrics p50 p95 p99 rps errorRate);
                      % sets the relative margin, ms|s|pp|/s the absolute one, e.g.
                        p95=10%,p95=20ms,errorRate=0.5pp,rps=5/s
  --json              print the comparison as JSON instead of a table

Exit code: 0 no regression, 1 a regression beyond the margins, 2 a file is unreadable, not a
Loadlens report, or of another scenario than the other.`;

function pct(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

/** `loadlens compare`: exit 0 when no metric regressed beyond the margins, 1 when one did, 2 for bad input. */
export async function compareCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('compare', args, { 'max-regression': { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    { count: 2, what: 'two report files (BASE.json NEW.json)' }, COMPARE_USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  let limits;
  try {
    limits = parseRegressionLimits((values['max-regression'] ?? []).join(','));
  } catch (error) {
    if (!(error instanceof LimitsError)) throw error;
    process.stderr.write(`loadlens compare: --max-regression ${error.message}\n`);
    return EXIT.invalid;
  }
  const [baseFile, nextFile] = positionals as [string, string];
  const read = async (file: string): Promise<RunReport> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ReportFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return parseRunReport(text, file);
  };
  let base: RunReport, next: RunReport;
  try {
    [base, next] = await Promise.all([read(baseFile), read(nextFile)]);
  } catch (error) {
    if (!(error instanceof ReportFileError)) throw error;
    process.stderr.write(`loadlens compare: ${error.message}\n`);
    return EXIT.invalid;
  }
  const mismatch = comparableReports(base, baseFile, next, nextFile);
  if (mismatch) {
    process.stderr.write(`loadlens compare: ${mismatch}\n`);
    return EXIT.invalid;
  }
  const comparison = compareRuns(base, next, limits);
  if (values.json) process.stdout.write(`${JSON.stringify(comparison)}\n`);
  else process.stdout.write(`${formatComparison(comparison, process.stdout.columns ?? 120, process.stdout.isTTY === true)}\n`);
  return comparison.regressions.length > 0 ? EXIT.thresholdFailed : EXIT.passed;
}
