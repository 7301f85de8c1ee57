/**
 * The thresholds a scenario writes in its options (`thresholds: { p95: '< 300ms', … }`), found in the
 * file's text alone, so the Testing view lists them (each at its line) before anything runs. It starts
 * at a scenario the locator found (`findScenarios`) and reads the object literal passed to its call.
 *
 * A light scanner over the locator's blanked text (comments and string contents blanked, offsets kept):
 * keys written as identifiers or string literals are found; computed keys (`[name]: …`), thresholds
 * built elsewhere (`thresholds: shared`) or options passed as a variable are not. Those still run and
 * are judged; the Testing view reports them under their scenario.
 */
import { blankCommentsAndStrings, type ScenarioLocation } from './scenario-locator.ts';
import { positionAt } from './text-position.ts';
import type { ThresholdResult } from './report.ts';

export interface ThresholdLocation {
  /** The key as written: `p95`, `p95{name:/checkout}`. */
  key: string;
  /** The condition when it is a string literal (`< 300ms`); undefined otherwise. */
  condition?: string;
  /** 0-based line and column of the key (as ScenarioLocation). */
  line: number;
  column: number;
}

/** Where to look past the scenario's export for its call's opening parenthesis. */
const CALL_SEARCH_LIMIT = 2000;

/** The thresholds written in the options object of the scenario at `scenario`, in the order written. */
export function findThresholds(text: string, scenario: Pick<ScenarioLocation, 'line' | 'column'>): ThresholdLocation[] {
  const { code, strings } = blankCommentsAndStrings(text);
  const start = offsetOf(text, scenario.line, scenario.column);
  if (start === undefined) return [];
  // The export statement, then the call's `(` (the first one after the `=`), then `{`.
  const window = code.slice(start, start + CALL_SEARCH_LIMIT);
  const call = /^[^(;]*?(?:=|export\s+default|module\.exports\s*=)[^(;]*\(/.exec(window) ?? /^[^(;]*\(/.exec(window);
  if (!call) return [];
  const optionsOpen = skipSpace(code, start + call[0].length);
  if (code[optionsOpen] !== '{') return [];
  const thresholds = members(code, strings, optionsOpen).filter(m => m.key === 'thresholds').at(-1);
  if (thresholds?.valueStart === undefined || code[thresholds.valueStart] !== '{') return [];
  const found = new Map<string, ThresholdLocation>();
  for (const member of members(code, strings, thresholds.valueStart)) {
    const condition = member.valueStart !== undefined && /["'`]/.test(code[member.valueStart] ?? '') ? strings.get(member.valueStart) : undefined;
    // A key written twice is one threshold: JavaScript keeps the last.
    found.delete(member.key);
    found.set(member.key, { key: member.key, ...(condition === undefined ? {} : { condition }), ...positionAt(text, member.keyStart) });
  }
  return [...found.values()];
}

/**
 * Which result is which written threshold: by key (a result names its key as written), else by line
 * (reports without keys). Results no written threshold claims come back in `unmatched`.
 */
export function matchThresholdResults<T extends Pick<ThresholdLocation, 'key' | 'line'>>(
  written: readonly T[], results: readonly ThresholdResult[],
): { matched: Map<T, ThresholdResult>; unmatched: ThresholdResult[] } {
  const matched = new Map<T, ThresholdResult>();
  const unmatched: ThresholdResult[] = [];
  for (const result of results) {
    const item = written.find(w => !matched.has(w) && (result.key !== undefined ? w.key === result.key : result.location !== undefined && result.location.line === w.line + 1));
    if (item) matched.set(item, result);
    else unmatched.push(result);
  }
  return { matched, unmatched };
}

interface Member {
  key: string;
  keyStart: number;
  /** Where the value starts (after `key:`); undefined for shorthand, methods and spreads. */
  valueStart?: number;
}

/** The members of the object literal opening at `open`, with keys written as identifiers, strings or numbers. */
function members(code: string, strings: ReadonlyMap<number, string>, open: number): Member[] {
  const found: Member[] = [];
  let i = open + 1;
  for (;;) {
    i = skipSpace(code, i);
    if (i >= code.length || code[i] === '}') return found;
    const keyStart = i;
    let key: string | undefined;
    const quote = code[i];
    if (quote === '"' || quote === "'" || quote === '`') {
      key = strings.get(i);
      const close = code.indexOf(quote, i + 1);
      i = close === -1 ? code.length : close + 1;
    } else {
      const word = /^[\w$]+/.exec(code.slice(i, i + 200));
      if (word) {
        key = word[0];
        i += word[0].length;
      }
    }
    i = skipSpace(code, i);
    if (key !== undefined && code[i] === ':') found.push({ key, keyStart, valueStart: skipSpace(code, i + 1) });
    i = nextMember(code, i);
    if (i >= code.length || code[i] === '}') return found;
    i++; // past the ','
  }
}

/** From inside a member, the `,` that ends it or the `}` that closes the object (brackets followed). */
function nextMember(code: string, from: number): number {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) return i;
    else if ((c === '"' || c === "'" || c === '`')) {
      // A blanked string: its contents are spaces, so the closing quote is the next one of its kind.
      const close = code.indexOf(c, i + 1);
      if (close === -1) return code.length;
      i = close;
    }
  }
  return code.length;
}

function skipSpace(code: string, from: number): number {
  let i = from;
  while (i < code.length && /\s/.test(code[i]!)) i++;
  return i;
}

function offsetOf(text: string, line: number, column: number): number | undefined {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return undefined;
    offset = next + 1;
  }
  return offset + column;
}
