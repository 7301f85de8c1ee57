/**
 * Loads a user's scenario file: compiles it (and its relative imports) in memory with esbuild,
 * evaluates it as a CommonJS module named after the user's own file, with source maps on, and returns
 * its exported scenarios, or every problem at once as Diagnostics at the user's file:line:column (never
 * a stack trace from inside the engine).
 *
 * `import ... from 'loadlens'` resolves to this engine's own api.ts module instance, so the user's
 * folder needs no npm install; every other package import is left to Node's resolution from the
 * user's folder.
 */
import Module, { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildFailure, BuildResult, Message, Plugin } from 'esbuild';
import type { Diagnostic } from '../../shared/report.ts';
import * as api from '../api/index.ts';
import type { ScenarioDefinition } from '../api/types.ts';
import { findProblems, type ValidationHooks } from './option-problems.ts';
import type { SourceLocation } from './validate.ts';
import { describeThrown } from './user-values.ts';

/** One exported scenario. Its name is `exportName` ('default' for a default export). */
export interface LoadedScenario {
  exportName: string;
  definition: ScenarioDefinition;
  /** Where `scenario(` was called (1-based, source-mapped); the file's start when unknown. */
  location: SourceLocation;
}

export type LoadResult =
  | {
      ok: true;
      /** In source order: the entry file's scenarios by position, then any re-exported from elsewhere. */
      scenarios: LoadedScenario[];
      /** esbuild's warnings (e.g. a duplicate key in an object literal): worth showing, not fatal. */
      warnings: Diagnostic[];
      /** Absolute paths of the user's files compiled together: the scenario file and its relative imports. */
      sources: string[];
    }
  | { ok: false; diagnostics: Diagnostic[] };

/** Hooks are passed on to {@link validateScenarioOptions}, e.g. the threshold syntax check. */
export type LoadOptions = ValidationHooks;

// For each loaded scenario file, the user's files bundled with it: where userLocation looks for frames.
// One entry per distinct scenario file loaded, replaced on reload.
const bundledSources = new Map<string, ReadonlySet<string>>();

/**
 * Compiles, evaluates and validates a scenario file. Never throws for a problem in the user's file:
 * syntax and resolution errors (all of esbuild's), an exception at the module's top level, no exported
 * scenario, and every invalid option of every scenario come back together as Diagnostics.
 */
export async function loadScenarioFile(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const entry = path.resolve(file);
  const texts = new Map<string, string>();
  try {
    texts.set(entry, await readFile(entry, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((error as Error).message);
    return failed([{ file: entry, line: 1, column: 1, message: `cannot read the scenario file: ${reason}` }]);
  }

  const compiled = await compile(entry);
  if (!compiled.ok) return failed(compiled.diagnostics);
  const { code, sources, warnings } = compiled;
  bundledSources.set(entry, new Set(sources));

  let moduleExports: unknown;
  try {
    moduleExports = evaluate(code, entry);
  } catch (error) {
    const where = parseLocation(userLocation(error, entry)) ?? { file: entry, line: 1, column: 1 };
    return failed([{ ...where, message: `${describeError(error)} (thrown while loading the file)` }]);
  }

  const scenarios = exportedScenarios(moduleExports, entry);
  if (scenarios.length === 0) {
    return failed([{
      file: entry, line: 1, column: 1,
      message: "no scenario is exported: export each one from the file, e.g. export const browse = scenario({ users: 10, runTime: '1m' }, async ({ http }) => { await http.get('/'); });",
    }]);
  }

  const diagnostics: Diagnostic[] = [];
  for (const { exportName, definition, location } of scenarios) {
    if (typeof definition.fn !== 'function') {
      diagnostics.push({ ...location, message: `scenario '${exportName}': the second argument must be the function each virtual user runs, e.g. async ({ http }) => { ... }` });
    }
    const problems = findProblems(definition.options, options);
    if (problems.length === 0) continue;
    let text = texts.get(location.file);
    if (text === undefined) {
      text = await readFile(location.file, 'utf8').catch(() => '');
      texts.set(location.file, text);
    }
    // Only a problem needs placing in the file: validate.ts reads it with the locator's (large) parser.
    const { placeProblems } = await import('./validate.ts');
    diagnostics.push(...placeProblems(problems, location, text));
  }
  return diagnostics.length > 0 ? failed(diagnostics) : { ok: true, scenarios, warnings, sources };
}

/**
 * `file:line:column` of the innermost stack frame of `error` inside the user's scenario file or the
 * files it imports (as loaded by {@link loadScenarioFile}; only `file` itself before that), with
 * source maps applied: the line the user wrote, not a line of the bundle. Undefined when no frame is
 * the user's (e.g. an error raised by a timer inside a library) or `error` has no stack.
 */
export function userLocation(error: unknown, file: string): string | undefined {
  const stack = error !== null && typeof error === 'object' ? (error as { stack?: unknown }).stack : undefined;
  if (typeof stack !== 'string') return undefined;
  const entry = path.resolve(file);
  const sources = bundledSources.get(entry) ?? new Set([entry]);
  for (const line of stack.split('\n')) {
    const frame = FRAME.exec(line);
    if (!frame) continue;
    const frameFile = frame[1]!.startsWith('file:') ? fileURLToPath(frame[1]!) : frame[1]!;
    if (sources.has(frameFile)) return `${frameFile}:${frame[2]}:${frame[3]}`;
  }
  return undefined;
}

// `    at fn (/path/file.ts:12:5)`, `    at /path/file.ts:12:5`, `    at async fn (file:///path/file.ts:12:5)`
const FRAME = /^\s+at (?:async )?(?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

type Compiled =
  | { ok: true; code: string; sources: string[]; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

async function compile(entry: string): Promise<Compiled> {
  // Imported on first use: esbuild's JS API costs tens of ms to import and spawns its service on the
  // first build; a process that never loads a scenario (--help, the extension's own checks) pays neither.
  const esbuild = await import('esbuild');
  const workingDir = path.dirname(entry);
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      // Never written; it only places the source map's `sources` relative to the user's folder.
      outfile: path.join(workingDir, `${path.basename(entry)}.bundle.cjs`),
      write: false,
      bundle: true,
      // Every package import stays a require() answered at evaluation time, from the user's folder.
      packages: 'external',
      // The file as the user named it, not where its symlinks lead: a Kubernetes configMap volume makes
      // each file a symlink into a timestamped folder, which would otherwise name every location (and
      // rank the file's scenarios as if they were imported from elsewhere).
      preserveSymlinks: true,
      plugins: [loadlensIsExternal],
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      sourcemap: 'inline',
      sourcesContent: true,
      metafile: true,
      logLevel: 'silent',
      // CommonJS has no import.meta: give the entry file's values (a helper in another folder sees the entry's).
      define: {
        'import.meta.url': '__loadlens_import_meta_url',
        'import.meta.dirname': '__dirname',
        'import.meta.filename': '__filename',
      },
      banner: { js: 'var __loadlens_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    });
  } catch (error) {
    const failure = error as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    return { ok: false, diagnostics: failure.errors.map(message => toDiagnostic(message, workingDir, entry)) };
  }
  const code = result.outputFiles.find(output => output.path.endsWith('.cjs'))?.text ?? '';
  const sources = Object.keys(result.metafile.inputs).map(input => path.resolve(workingDir, input));
  return { ok: true, code, sources, warnings: result.warnings.map(message => toDiagnostic(message, workingDir, entry)) };
}

/**
 * Keeps `import ... from 'loadlens'` external even when the user's tsconfig maps 'loadlens' to a
 * copy of the API for their editor (`paths`): esbuild applies `paths` before `packages: 'external'`,
 * and a bundled copy would be a second instance of the API.
 */
export const loadlensIsExternal: Plugin = {
  name: 'loadlens-is-external',
  setup(build) {
    build.onResolve({ filter: /^loadlens$/ }, () => ({ path: 'loadlens', external: true }));
  },
};

/** An esbuild message as a Diagnostic at its place in the user's files (the entry file when it has none). */
export function toDiagnostic(message: Message, workingDir: string, entry: string): Diagnostic {
  const location = message.location;
  if (!location) return { file: entry, line: 1, column: 1, message: message.text };
  // esbuild's lines are 1-based, its columns 0-based.
  return { file: path.resolve(workingDir, location.file), line: location.line, column: location.column + 1, message: message.text };
}

// What node:module's Module offers beyond its public types: enough to compile a module from memory.
interface CommonJsModule {
  exports: unknown;
  filename: string;
  paths: string[];
  require(id: string): unknown;
  _compile(code: string, filename: string, format: 'commonjs'): unknown;
}
const CommonJs = Module as unknown as { new (id: string): CommonJsModule; _nodeModulePaths(dir: string): string[] };

/**
 * Runs the bundle as the module `file`: stack frames name the user's file, and with source maps
 * enabled (process-wide, before compiling, as Node requires) they point at the lines the user wrote.
 */
function evaluate(code: string, file: string): unknown {
  process.setSourceMapsEnabled(true);
  const userModule = new CommonJs(file);
  userModule.filename = file;
  userModule.paths = CommonJs._nodeModulePaths(path.dirname(file));
  const requireFromUserFolder = createRequire(file);
  userModule.require = id => (id === 'loadlens' ? api : requireFromUserFolder(id));
  // A failed require() buries the user's line under ~10 frames of Node's loader and ours: keep enough
  // frames to reach it.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(stackTraceLimit, 50);
  try {
    userModule._compile(code, file, 'commonjs');
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return userModule.exports;
}

function exportedScenarios(moduleExports: unknown, entry: string): LoadedScenario[] {
  const candidates: [string, unknown][] = isScenario(moduleExports)
    ? [['default', moduleExports]] // module.exports = scenario(...) in a CommonJS .js file
    : moduleExports !== null && typeof moduleExports === 'object'
      ? Object.entries(moduleExports)
      : [];
  const scenarios = candidates
    .filter((candidate): candidate is [string, ScenarioDefinition] => isScenario(candidate[1]))
    .map(([exportName, definition]) => ({ exportName, definition, location: definition.location ?? { file: entry, line: 1, column: 1 } }));
  // esbuild lists a module's exports alphabetically; the file's order is where scenario() was called.
  const rank = (s: LoadedScenario) => (s.location.file === entry ? 0 : 1);
  return scenarios.sort((a, b) =>
    rank(a) - rank(b) || (rank(a) === 0 ? a.location.line - b.location.line || a.location.column - b.location.column : 0));
}

function isScenario(value: unknown): value is ScenarioDefinition {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'loadlens.scenario';
}

function describeError(error: unknown): string {
  // The first line only: Node's "Cannot find module" appends the require stack, which is the engine's.
  if (error instanceof Error) {
    // A package the user's folder lacks (relative imports were bundled, so they cannot be missing here).
    const missingPackage = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /^Cannot find module '[^./]/.test(error.message);
    const hint = missingPackage ? ": install it in the scenario's folder (npm install)" : '';
    return `${error.name}: ${error.message.split('\n')[0]}${hint}`;
  }
  return typeof error === 'string' ? `'${error}'` : describeThrown(error);
}

function parseLocation(where: string | undefined): SourceLocation | undefined {
  const match = where === undefined ? null : /^(.*):(\d+):(\d+)$/.exec(where);
  return match ? { file: match[1]!, line: Number(match[2]), column: Number(match[3]) } : undefined;
}

function failed(diagnostics: Diagnostic[]): LoadResult {
  return { ok: false, diagnostics };
}
