/**
 * Report files written at the end of a run: the RunReport as JSON here, as an HTML page in
 * `report-html.ts`. Both are written atomically, so a reader (CI artifact upload, a browser reload)
 * sees either the previous file or the complete new one, never half a report.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from './output.ts';

/**
 * Write `content` to `path` by writing a temporary file in the same directory and renaming it over
 * `path` (a rename within one file system is atomic). Creates the directory. The temporary file is
 * removed if anything fails.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  await makeDirectories(directory);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * `mkdir -p`, one level at a time. Not `mkdir(…, { recursive: true })`: under /proc it never returns
 * (Node retries the failing level forever, spinning a core).
 */
async function makeDirectories(directory: string): Promise<void> {
  const missing: string[] = [];
  let at = directory;
  for (;;) {
    const found = await stat(at).catch(() => undefined);
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`'${at}' is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) await mkdir(level).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/**
 * Why a report could not be written to `path`, checked before the run starts (so a typo costs
 * seconds, not the whole run); undefined when it can. Creates the missing directories and a probe file
 * (removed at once) in the report's directory.
 */
export async function reportPathProblem(path: string): Promise<string | undefined> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) return `'${path}' is a directory`;
  const directory = dirname(path);
  const probe = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.check`);
  try {
    await makeDirectories(directory);
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return `cannot write '${path}': ${code === 'ENOENT' ? 'its directory cannot be created here' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : message}`;
  }
  await rm(probe, { force: true });
  return undefined;
}

/** Writes the RunReport as pretty-printed JSON to `path` at `stop`; `start` and `add` do nothing. */
export class JsonReportOutput implements Output {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  start(_header: RunHeader): void {}

  add(_snapshot: StatsSnapshot): void {}

  stop(report: RunReport): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(report, null, 2)}\n`);
  }
}
