/**
 * Report files written at the end of a run: the RunReport as JSON here, as an HTML page in
 * `report-html.ts`. Both are written atomically, so a reader (CI artifact upload, a browser reload)
 * sees either the previous file or the complete new one, never half a report.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { Output, RunInfo } from './output.ts';

/**
 * Write `content` to `path` by writing a temporary file in the same directory and renaming it over
 * `path` (a rename within one file system is atomic). Creates the directory. The temporary file is
 * removed if anything fails.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes the RunReport as pretty-printed JSON to `path` at `stop`; `start` and `add` do nothing. */
export class JsonReportOutput implements Output {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  start(_run: RunInfo): void {}

  add(_snapshot: StatsSnapshot): void {}

  stop(report: RunReport): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(report, null, 2)}\n`);
  }
}
