/**
 * Finds the scenarios a `*.load.ts|js|mjs` file defines, from its text alone (no compiling, no running),
 * so the CodeLens can sit above each one while the user types. It follows the loader's rule: a scenario
 * is an export (`export const`, `export default`, `export { a as b }`, `module.exports`,
 * `exports.name`) whose value comes from the API's `scenario(` — called directly, through a namespace
 * (`loadlens.scenario(`), under an alias, or inside a helper function of the same file that returns one.
 * test/unit/scenario-agreement.test.ts holds the cases on which it and the loader must agree.
 *
 * A light scanner, not a parser: comments and the contents of strings and template literals are
 * blanked first, so `scenario(` mentioned there finds nothing. Known limits: a scenario built in another
 * file and re-exported, or put in an object literal (`module.exports = { a: scenario(...) }`), gets no
 * lens (the loader still runs it by name); a regular expression literal holding a quote can hide code.
 */
import { positionAt } from './text-position.ts';

export interface ScenarioLocation {
  /** The export name; the engine runs a scenario by this name ('default' for a default export). */
  name: string;
  /** 0-based line and column of the statement that exports it (or declares it, for `export { a }`). */
  line: number;
  column: number;
}

const IDENTIFIER = '[A-Za-z_$][\\w$]*';

export function findScenarios(text: string): ScenarioLocation[] {
  const { code, strings } = blankCommentsAndStrings(text);
  const callees = scenarioCallees(code, strings);
  const makers = scenarioMakers(code, callees);
  // `maker(` or `maker<T>(` right at the start of an initializer, optionally after `await`.
  const makerCall = `(?:await\\s+)?(?:${makers.map(escape).join('|')})\\s*(?:<[^>()]*>)?\\s*\\(`;
  const found: { name: string; offset: number }[] = [];
  const add = (name: string, match: RegExpMatchArray, indentGroup = 1) =>
    found.push({ name, offset: match.index! + (match[indentGroup]?.length ?? 0) });

  // export const shopper = scenario(   export let a: Scenario = helper(   (the initializer may start on the next line)
  for (const m of code.matchAll(new RegExp(`^([ \\t]*)export\\s+(?:const|let|var)\\s+(${IDENTIFIER})\\s*(?::[^=;]+)?=\\s*${makerCall}`, 'gm'))) add(m[2]!, m);
  // export default scenario(   module.exports = scenario(
  for (const m of code.matchAll(new RegExp(`^([ \\t]*)(?:export\\s+default|module\\.exports\\s*=)\\s*${makerCall}`, 'gm'))) add('default', m);
  // module.exports.checkout = scenario(   exports.checkout = scenario(
  for (const m of code.matchAll(new RegExp(`^([ \\t]*)(?:module\\.)?exports\\.(${IDENTIFIER})\\s*=\\s*${makerCall}`, 'gm'))) add(m[2]!, m);
  // const a = scenario(...); ... export { a, a as b }: the lens goes on the declaration.
  const local = new Map<string, number>();
  for (const m of code.matchAll(new RegExp(`^([ \\t]*)(?:const|let|var)\\s+(${IDENTIFIER})\\s*(?::[^=;]+)?=\\s*${makerCall}`, 'gm'))) local.set(m[2]!, m.index + m[1]!.length);
  for (const m of code.matchAll(/^[ \t]*export\s*\{([^}]*)\}(?!\s*from)/gm)) {
    for (const specifier of m[1]!.split(',')) {
      const [, localName, exported] = new RegExp(`^\\s*(${IDENTIFIER})(?:\\s+as\\s+(${IDENTIFIER}))?\\s*$`).exec(specifier) ?? [];
      const offset = localName === undefined ? undefined : local.get(localName);
      if (offset !== undefined) found.push({ name: exported ?? localName!, offset });
    }
  }

  const seen = new Set<string>();
  return found
    .sort((a, b) => a.offset - b.offset)
    // A name exported twice is one scenario to the loader.
    .filter(({ name }) => !seen.has(name) && seen.add(name))
    .map(({ name, offset }) => ({ name, ...positionAt(text, offset) }));
}

/**
 * The expressions that call the API's scenario function in this file: `scenario` or its alias from a
 * named import or destructured require of 'loadlens', and `ns.scenario` for a namespace import or a
 * whole require. With no import of 'loadlens' at all (a file being written), plain `scenario`.
 */
function scenarioCallees(code: string, strings: Map<number, string>): string[] {
  const callees = new Set<string>();
  const fromLoadlens = (quoteOffset: number) => strings.get(quoteOffset) === 'loadlens';
  let imported = false;
  // import { scenario, scenario as s } from 'loadlens'   const { scenario, scenario: s } = require('loadlens')
  for (const m of code.matchAll(/\bimport\s*\{([^}]*)\}\s*from\s*(?=['"])|\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\s*\(\s*(?=['"])/g)) {
    if (!fromLoadlens(m.index + m[0].length)) continue;
    imported = true;
    for (const specifier of (m[1] ?? m[2]!).split(',')) {
      const named = new RegExp(`^\\s*scenario\\s*(?:(?:as|:)\\s*(${IDENTIFIER}))?\\s*$`).exec(specifier);
      if (named) callees.add(named[1] ?? 'scenario');
    }
  }
  // import * as loadlens from 'loadlens'   const loadlens = require('loadlens')   import loadlens = require('loadlens')
  for (const m of code.matchAll(new RegExp(`\\bimport\\s*\\*\\s*as\\s+(${IDENTIFIER})\\s+from\\s*(?=['"])|\\b(?:const|let|var|import)\\s+(${IDENTIFIER})\\s*=\\s*require\\s*\\(\\s*(?=['"])`, 'g'))) {
    if (!fromLoadlens(m.index + m[0].length)) continue;
    imported = true;
    callees.add(`${m[1] ?? m[2]}.scenario`);
  }
  if (!imported) callees.add('scenario');
  return [...callees];
}

/**
 * The callees plus the names of the file's top-level functions that call one of them (a helper that
 * builds scenarios), and functions that call those, and so on.
 */
function scenarioMakers(code: string, callees: string[]): string[] {
  const makers = new Set(callees);
  const declarations = topLevelFunctions(code);
  for (let grew = true; grew;) {
    grew = false;
    const call = new RegExp(`(?<![\\w$.])(?:${[...makers].map(escape).join('|')})\\s*(?:<[^>()]*>)?\\s*\\(`);
    for (const { name, body } of declarations) {
      if (!makers.has(name) && call.test(body)) {
        makers.add(name);
        grew = true;
      }
    }
  }
  return [...makers];
}

/** `function name(...) {...}` and `const name = (...) => ...` / `= function`, at the top level, with their text. */
function topLevelFunctions(code: string): { name: string; body: string }[] {
  const starts = [...code.matchAll(new RegExp(`^(?:export\\s+)?(?:(?:async\\s+)?function\\s*\\*?\\s*(${IDENTIFIER})|(?:const|let|var)\\s+(${IDENTIFIER})\\s*(?::[^=;]+)?=\\s*(?:async\\s*)?(?:function\\b|\\([^()]*\\)\\s*(?::[^=]+)?=>|${IDENTIFIER}\\s*=>))`, 'gm'))];
  return starts.map(m => ({ name: (m[1] ?? m[2])!, body: code.slice(m.index + m[0].length, statementEnd(code, m.index + m[0].length)) }));
}

/** Where the top-level statement running through `from` ends: the next `;` or line break outside brackets, after at least one bracket closed if any opened. */
function statementEnd(code: string, from: number): number {
  let depth = 0;
  let start = from;
  while (start < code.length && /\s/.test(code[start]!)) start++;
  for (let i = start; i < code.length; i++) {
    const c = code[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth < 0) return i;
    } else if (depth === 0 && (c === ';' || (c === '\n' && !continues(code, start, i)))) {
      return i;
    }
  }
  return code.length;
}

/** Whether the line break at `i` is inside a statement: the line ends with an operator or the next one starts with one. */
function continues(code: string, start: number, i: number): boolean {
  return /[=(,[{>+\-*/|&?:]\s*$/.test(code.slice(Math.max(start, i - 40), i)) || /^\s*[.?:)\]}+\-*/|&]/.test(code.slice(i + 1, i + 40));
}

/**
 * The text with comments replaced by spaces and string and template literal contents by spaces (quotes
 * kept), offsets and line breaks unchanged; `strings` maps each string's opening quote offset to its value.
 */
export function blankCommentsAndStrings(text: string): { code: string; strings: Map<number, string> } {
  const out = text.split('');
  const strings = new Map<number, string>();
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') j++;
        else if (c !== '`' && text[j] === '\n') break; // unterminated: stop at the line's end
        j++;
      }
      strings.set(i, text.slice(i + 1, j));
      blank(i + 1, Math.min(j, text.length));
      i = j + 1;
    } else {
      i++;
    }
  }
  return { code: out.join(''), strings };
}

function escape(name: string): string {
  return name.replace(/[.$]/g, m => `\\${m}`);
}
