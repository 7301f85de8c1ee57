/**
 * The file "Loadlens: New Scenario" writes, and the rule for its name. Pure: the command is a thin
 * layer over it, and the unit tests type-check and load what it produces.
 */

/** Words a scenario's name cannot be: it becomes `export const NAME`. */
const RESERVED = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface',
  'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw',
  'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
]);

/** What is wrong with `name` as a scenario name (the export and the file NAME.load.ts), or undefined. */
export function scenarioNameProblem(name: string): string | undefined {
  if (name === '') return 'Give the scenario a name, e.g. checkout';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `'${name}' cannot be a scenario name: use letters, digits and _ (not first a digit), e.g. checkout or browseProducts`;
  if (RESERVED.has(name)) return `'${name}' is a JavaScript keyword: choose another name`;
  return undefined;
}

/** The file's name for a scenario. */
export function scenarioFileName(name: string): string {
  return `${name}.load.ts`;
}

/**
 * A new scenario file for `name`, and where the cursor goes: on the first request's path (0-based line,
 * the path's start and end columns), selected so typing replaces it.
 */
export function scenarioTemplate(name: string): { text: string; cursor: { line: number; start: number; end: number } } {
  const lines = [
    "import { scenario, between } from 'loadlens';",
    '',
    `/** ${name}: what each virtual user does, iteration after iteration. */`,
    `export const ${name} = scenario({`,
    "  host: 'http://127.0.0.1:8080',",
    "  users: 10, spawnRate: 2, runTime: '1m',",
    '  wait: between(1, 3),',
    "  thresholds: { p95: '< 300ms', errorRate: '< 1%' },",
    '}, async ({ http, check }) => {',
    "  const res = await http.get('/');",
    "  check(res, { 'status is 200': r => r.status === 200 });",
    '});',
    '',
  ];
  const line = lines.findIndex(l => l.includes('http.get('));
  const start = lines[line]!.indexOf("'/'") + 1;
  return { text: lines.join('\n'), cursor: { line, start, end: start + 1 } };
}
