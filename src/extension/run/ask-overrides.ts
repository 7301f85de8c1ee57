// "Options…": users, spawn rate, run time, host and workers for one run, asked one after the other.
import * as vscode from 'vscode';
import type { RunOverrides } from '../../shared/run.ts';
import { durationProblem, type LoadlensSettings } from '../../shared/settings.ts';
import { MAX_WORKERS, parseWorkers, workersProblem, type WorkersSetting } from '../../shared/workers.ts';

/** The answers, each input box offering the setting as its value; undefined when the user gave up. */
export async function askOverrides(settings: LoadlensSettings): Promise<{ overrides: RunOverrides; workers: WorkersSetting } | undefined> {
  const ask = (prompt: string, value: string, check: (v: string) => string | undefined) =>
    vscode.window.showInputBox({ prompt, value, validateInput: check, ignoreFocusOut: true });
  const positive = (v: string) => (Number(v) > 0 ? undefined : 'A number greater than 0');
  const users = await ask('Virtual users', String(settings.run.users), v => (Number.isInteger(Number(v)) && Number(v) >= 1 ? undefined : 'A whole number ≥ 1'));
  if (users === undefined) return undefined;
  const spawnRate = await ask('Users started per second', String(settings.run.spawnRate), positive);
  if (spawnRate === undefined) return undefined;
  const runTime = await ask('Run time (e.g. 30s, 10m, 1h30m)', settings.run.runTime, v => (durationProblem(v) ? "A duration like '30s', '10m' or '1h30m'" : undefined));
  if (runTime === undefined) return undefined;
  const host = await ask('Host (empty: the scenario\'s own)', settings.run.host, v => (v === '' || /^https?:\/\/\S+$/.test(v) ? undefined : 'An http:// or https:// URL, or empty'));
  if (host === undefined) return undefined;
  const workers = await ask('Worker processes (a number, or auto: one per core)', String(settings.run.workers), v => (workersProblem(v) ? `A whole number from 1 to ${MAX_WORKERS}, or auto` : undefined));
  if (workers === undefined) return undefined;
  return { overrides: { users: Number(users), spawnRate: Number(spawnRate), runTime, ...(host ? { host } : {}) }, workers: parseWorkers(workers)! };
}
