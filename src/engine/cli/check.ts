/**
 * `loadlens check FILE [--json]`: every scenario in a file validated, nothing run.
 */
import path from 'node:path';
import { formatDiagnostic } from '../../shared/report.ts';
import { checkScenarioFile } from '../scenario/check.ts';
import { EXIT, parseCommand } from './common.ts';
import { USAGE } from './run.ts';

export async function checkCommand(args: string[]): Promise<number> {
  const parsed = parseCommand('check', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, { count: 1, what: 'one scenario file' }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const report = await checkScenarioFile(positionals[0]!);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    for (const d of report.diagnostics) process.stderr.write(`${formatDiagnostic(d)}${d.severity === 'warning' ? ' (warning)' : ''}\n`);
    if (report.ok) process.stdout.write(`${path.relative(process.cwd(), report.file) || report.file}: ${report.scenarios.length} scenario(s) valid: ${report.scenarios.map(s => s.name).join(', ')}\n`);
    else process.stderr.write(`${report.diagnostics.filter(d => d.severity === 'error').length} problem(s)\n`);
  }
  return report.ok ? EXIT.passed : EXIT.invalid;
}
