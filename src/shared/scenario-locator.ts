/**
 * Finds the scenarios a `*.load.ts|js|mjs` file defines, from its text alone (no compiling), so the
 * CodeLens can sit above each one while the user types. It sees `export const|let|var NAME = scenario(`
 * and `export default scenario(`. N.B. that is narrower than the engine's loader, which runs the file
 * and takes every export whose value is a scenario: one exported another way (`export { shopper }`,
 * or built by a helper function) still runs from the CLI, but gets no CodeLens.
 */
import { positionAt } from './text-position.ts';

export interface ScenarioLocation {
  /** The export name; the engine runs a scenario by this name. */
  name: string;
  /** 0-based line and column of the `export` keyword. */
  line: number;
  column: number;
}

// `export const shopper = scenario(` / `export let x: Scenario = scenario<...>(` / `export default scenario(`
const EXPORT_SCENARIO = /^([ \t]*)export\s+(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=|default)\s*scenario\s*(?:<[^>]*>)?\s*\(/gm;

export function findScenarios(text: string): ScenarioLocation[] {
  const found: ScenarioLocation[] = [];
  const stripped = blankComments(text);
  for (const match of stripped.matchAll(EXPORT_SCENARIO)) {
    const offset = match.index + (match[1]?.length ?? 0);
    const { line, column } = positionAt(text, offset);
    found.push({ name: match[2] ?? 'default', line, column });
  }
  return found;
}

/** Replaces comments with spaces (keeping offsets and newlines) so commented-out scenarios get no lens. */
function blankComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, comment => comment.replace(/[^\n]/g, ' '));
}
