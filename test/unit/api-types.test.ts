// The public API's types as a user's editor sees them: every snippet Loadlens contributes compiles
// against the shipped API under `strict`; `json()` is `any` as fetch's `Response.json()` is, so the seed's
// `typeof r.json().orderId === 'string'` has 0 errors, and `json<T>()` still checks field names.
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
export const probe = scenario({ host: 'http://127.0.0.1:8080' }, async ({ http, check }) => {
  const res = await http.get('/');
  check(res, { 'order id returned': r => typeof r.json().orderId === 'string' });
  const orderId: string | undefined = res.json<{ orderId?: string }>().orderId;
  // @ts-expect-error json<T>() checks field names: a typo is an error
  void res.json<{ orderId?: string }>().orderID;
  void orderId;
});
`;

test('api types: every snippet type-checks against the API, json() is any and json<T>() is T', () => {
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
