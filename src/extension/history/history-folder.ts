// The run history's folder on disk: saving a finished run (and pruning the oldest) and listing the
// runs. Without `vscode`: the extension's view uses it, and the unit tests on a real folder.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRunReport } from '../../shared/compare.ts';
import { filesToPrune, historyFileName, parseHistoryFileName, summarizeRun, type RunSummary, type ScenarioHistory } from '../../shared/history.ts';
import type { RunReport } from '../../shared/report.ts';

/**
 * Writes `report` into `folder` (created if needed) and deletes the scenario's oldest runs beyond
 * `maxRunsPerScenario`. Returns the new file's path and the paths deleted. The write goes through a
 * temporary file, so a reader never sees half a report.
 */
export async function saveRun(folder: string, report: RunReport, maxRunsPerScenario: number): Promise<{ file: string; pruned: string[] }> {
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, historyFileName(report.header));
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temporary, file);
  const pruned = filesToPrune(await readdir(folder), maxRunsPerScenario).map(name => path.join(folder, name));
  await Promise.all(pruned.map(p => rm(p, { force: true })));
  return { file, pruned };
}

/**
 * Every run in `folder`, grouped by scenario (sorted by name), newest run first. A missing folder is
 * an empty history; a file that cannot be read as a report is reported in `unreadable` (with why) and
 * otherwise skipped, so one damaged file never hides the others.
 */
export async function listRuns(folder: string): Promise<{ scenarios: ScenarioHistory[]; unreadable: string[] }> {
  let files: string[];
  try {
    files = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { scenarios: [], unreadable: [] };
    throw error;
  }
  const names = files.filter(f => parseHistoryFileName(f)).sort().reverse();
  const unreadable: string[] = [];
  const summaries = await Promise.all(names.map(async name => {
    const file = path.join(folder, name);
    try {
      return summarizeRun(parseRunReport(await readFile(file, 'utf8'), file), file);
    } catch (error) {
      unreadable.push((error as Error).message);
      return undefined;
    }
  }));
  const byScenario = new Map<string, RunSummary[]>();
  for (const summary of summaries) {
    if (!summary) continue;
    byScenario.set(summary.scenario, [...(byScenario.get(summary.scenario) ?? []), summary]);
  }
  const scenarios = [...byScenario.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scenario, runs]) => ({ scenario, runs }));
  return { scenarios, unreadable };
}
