/**
 * Scenario options' problems placed in the user's file: each at the offending property inside the
 * `scenario(...)` call (k6's `Validate()` reports every problem at once; we also say where).
 * It reads the file with the shared locator (TypeScript's parser), so the loader imports this module
 * only when there is a problem to place.
 */
import type { Diagnostic } from '../../shared/report.ts';
import { locateOption } from '../../shared/scenario-locator.ts';
import type { ScenarioDefinition } from '../api/types.ts';
import { findProblems, type OptionProblem, type ValidationHooks } from './option-problems.ts';

/** A 1-based place in a file (the `scenario(` call site, after source maps). */
export type SourceLocation = NonNullable<ScenarioDefinition['location']>;

/**
 * Every problem in a scenario's options, each a Diagnostic at the offending property inside the
 * `scenario(...)` call when `sourceText` (the text of `location.file`) shows it, else at the call site.
 * Sorted by position. An empty list means the options can be resolved with `resolveRunOptions` (run-options.ts).
 */
export function validateScenarioOptions(
  options: unknown,
  location: SourceLocation,
  sourceText?: string,
  hooks: ValidationHooks = {},
): Diagnostic[] {
  return placeProblems(findProblems(options, hooks), location, sourceText);
}

/** Problems already found, each as a Diagnostic at its option in `sourceText` when it shows it, else at the call site; sorted by position. */
export function placeProblems(problems: readonly OptionProblem[], location: SourceLocation, sourceText?: string): Diagnostic[] {
  const diagnostics = problems.map(({ path, message }) => {
    const at = sourceText === undefined ? undefined : locateOption(sourceText, location, path);
    return { file: location.file, line: at?.line ?? location.line, column: at?.column ?? location.column, message };
  });
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}
