// The public API's types as a user's editor sees them: every snippet Loadlens contributes compiles
// against the shipped API under `strict`, and `json()` is `unknown` until the scenario says what it
// expects (a typo in a field name must not pass silently as `any`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '../..');
const snippets = JSON.parse(readFileSync(path.join(root, 'snippets/loadlens.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;

/** A snippet's text as inserted with every placeholder at its default (the first choice of a choice); `$1` repeats `${1:…}`. */
function expand(body: string[]): string {
  const defaults = new Map<string, string>();
  return body.join('\n')
    .replace(/\$\{(\d+)\|([^,|]*)[^}]*\|\}/g, (_, n: string, first: string) => (defaults.set(n, first), first))
    .replace(/\$\{(\d+):((?:[^{}\\]|\\.|\{[^}]*\\\})*)\}/g, (_, n: string, value: string) => (defaults.set(n, value), value))
    .replace(/\$(\d+)/g, (_, n: string) => defaults.get(n) ?? '')
    .replace(/\\([$}])/g, '$1');
}

/** Where each kind of snippet goes: a whole file, a statement in a user's function, or a scenario option. */
function inContext(name: string, text: string): string {
  const header = "import { scenario, between, constant } from 'loadlens';\nvoid between; void constant;\n";
  if (text.startsWith('import ')) return text;
  if (text.startsWith('export ')) return header + text;
  if (/^\w+:/.test(text)) return `${header}export const s = scenario({ host: 'http://127.0.0.1:8080', ${text} }, async () => {});\n`;
  return `${header}export const s = scenario({ host: 'http://127.0.0.1:8080' }, async ({ http, check, group }) => {\n${text}\nvoid http; void check; void group;\n});\n// ${name}\n`;
}

const PROBE = `import { scenario } from 'loadlens';
export const probe = scenario({ host: 'http://127.0.0.1:8080' }, async ({ http }) => {
  const res = await http.get('/');
  // @ts-expect-error json() is unknown until the scenario says what it expects
  void res.json().orderId;
  const orderId: string | undefined = res.json<{ orderId?: string }>().orderId;
  void orderId;
});
`;

test('api types: every snippet type-checks against the API, and json() is unknown unless typed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-api-types-'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  const files = Object.entries(snippets).map(([name, { body }], i) => {
    const file = path.join(dir, `snippet-${i}.load.ts`);
    writeFileSync(file, inContext(name, expand(body)));
    return file;
  });
  const probe = path.join(dir, 'probe.load.ts');
  writeFileSync(probe, PROBE);
  const program = ts.createProgram([...files, probe], {
    strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true,
    target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    paths: { loadlens: [path.join(root, 'src/engine/api/index.ts')] },
    types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')],
  });
  const problems = ts.getPreEmitDiagnostics(program)
    .filter(d => d.file === undefined || d.file.fileName.startsWith(dir))
    .map(d => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return `${d.file ? path.basename(d.file.fileName) : ''}:${at ? at.line + 1 : 0}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  assert.deepEqual(problems, []);
  assert.equal(files.length, 7, 'every snippet was checked');
});
