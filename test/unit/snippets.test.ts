// Every snippet, expanded with its defaults where it belongs, and the "New Scenario" template make a
// file with zero problems: zero TypeScript diagnostics (strict, against the shipped declarations
// dist/loadlens.d.ts, resolved as the editor plugin resolves them) and zero from the engine's loader
// (what `loadlens check` reports).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import ts from 'typescript';
import { loadScenarioFile } from '../../src/engine/scenario/loader.ts';
import { formatDiagnostic } from '../../src/shared/report.ts';
import { scenarioFileName, scenarioNameProblem, scenarioTemplate } from '../../src/shared/scenario-template.ts';
import { withShippedDeclarations } from '../../src/typescript-plugin/plugin.ts';
import { buildPluginProbe } from '../support/tsserver.ts';

const SNIPPETS = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../snippets/loadlens.code-snippets'), 'utf8')) as Record<string, { prefix: string[]; body: string[] }>;

/** The body as VS Code inserts it when every placeholder keeps its default (the first choice of a choice). */
function expandSnippet(body: string): string {
  const defaults = new Map<string, string>();
  for (const m of body.matchAll(/\$\{(\d+):((?:\\.|[^}\\])*)\}/g)) defaults.set(m[1]!, unescape(m[2]!));
  for (const m of body.matchAll(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g)) defaults.set(m[1]!, m[2]!);
  return body
    .replace(/\\\$|\\\}|\\\\|\$\{(\d+):((?:\\.|[^}\\])*)\}|\$\{(\d+)\|[^|]*\|\}|\$\{(\d+)\}|\$(\d+)/g, (whole, a, defaultText, choice, braced, bare) => {
      if (whole === '\\$') return '$';
      if (whole === '\\}') return '}';
      if (whole === '\\\\') return '\\';
      if (a !== undefined) return unescape(defaultText);
      const index = choice ?? braced ?? bare;
      return defaults.get(index) ?? '';
    });
}

function unescape(text: string): string {
  return text.replace(/\\([$}\\])/g, '$1');
}

const IMPORT = "import { scenario, between } from 'loadlens';";
/** Where each snippet is meant to be typed: a whole scenario, a statement in the user function, or options. */
const CONTEXT: Record<string, 'file' | 'user function' | 'options'> = {
  'Loadlens: new scenario': 'file',
  'Loadlens: e-commerce shopper': 'file',
  'Loadlens: request with a check': 'user function',
  'Loadlens: group': 'user function',
  'Loadlens: ramp stages': 'options',
  'Loadlens: thresholds': 'options',
  'Loadlens: open model': 'options',
};

function fileFor(name: string, expanded: string): string {
  switch (CONTEXT[name]) {
    case 'file':
      return expanded.includes("from 'loadlens'") ? `${expanded}\n` : `${IMPORT}\n\n${expanded}\n`;
    case 'user function':
      return `${IMPORT}\n\nexport const s = scenario({ host: 'http://127.0.0.1:8080', users: 1, wait: between(1, 2) }, async ({ http, check, group }) => {\n${expanded}\n});\n`;
    case 'options':
      return `${IMPORT}\n\nexport const s = scenario({\n  host: 'http://127.0.0.1:8080',\n${expanded}\n}, async ({ http }) => {\n  await http.get('/');\n});\n`;
    default:
      throw new Error(`snippet '${name}' has no place in CONTEXT: say where it is typed`);
  }
}

/** TypeScript's diagnostics for `file`, strict, with 'loadlens' resolved to `declarations` as the plugin does. */
function typeProblems(file: string, declarations: string): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], lib: ['lib.es2022.d.ts'] };
  const host = ts.createCompilerHost(options);
  const cache = ts.createModuleResolutionCache(process.cwd(), name => name, options);
  const resolve: NonNullable<ts.LanguageServiceHost['resolveModuleNameLiterals']> = (literals, containingFile, redirected, opts, sourceFile) =>
    literals.map(literal => ts.resolveModuleName(literal.text, containingFile, opts, host, cache, redirected, ts.getModeForUsageLocation(sourceFile, literal, opts)));
  host.resolveModuleNameLiterals = withShippedDeclarations(resolve, declarations);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map(d => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${d.file ? path.basename(d.file.fileName) : ''}:${where ? where.line + 1 : 0} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

async function loaderProblems(file: string): Promise<string[]> {
  const loaded = await loadScenarioFile(file);
  return loaded.ok ? loaded.warnings.map(formatDiagnostic) : loaded.diagnostics.map(formatDiagnostic);
}

describe('snippets expand to files with zero problems', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-snippets-'));
  let declarations: string;
  before(async () => ({ declarations } = await buildPluginProbe()));

  test('every snippet has a place in the table', () => {
    assert.deepEqual(Object.keys(SNIPPETS).sort(), Object.keys(CONTEXT).sort());
  });

  test('placeholders expand to their defaults, mirrors and escapes included', () => {
    assert.equal(expandSnippet("const ${1:res} = await http.${2|get,post|}('${3:/path/{id\\}}');\ncheck($1, {});$0"), "const res = await http.get('/path/{id}');\ncheck(res, {});");
    assert.equal(expandSnippet('`/product/\\${productId}`'), '`/product/${productId}`');
  });

  test('the check has teeth: a misspelt method and option are TypeScript errors at their lines', () => {
    const file = path.join(folder, 'control.load.ts');
    writeFileSync(file, fileFor('Loadlens: request with a check', "const res = await http.gett('/');\ncheck(res, { ok: r => r.status === 200 });").replace('users: 1', 'userz: 1'));
    assert.deepEqual(typeProblems(file, declarations).map(p => p.split(' ').slice(0, 2).join(' ')), ['control.load.ts:3 TS2561', 'control.load.ts:4 TS2551']);
  });

  for (const [name, { body }] of Object.entries(SNIPPETS)) {
    test(name, async () => {
      const file = path.join(folder, `${name.replace(/\W+/g, '-')}.load.ts`);
      writeFileSync(file, fileFor(name, expandSnippet(body.join('\n'))));
      assert.deepEqual(typeProblems(file, declarations), [], 'TypeScript');
      assert.deepEqual(await loaderProblems(file), [], 'the loader');
    });
  }
});

describe('New Scenario', () => {
  test('names: identifiers only, no keywords', () => {
    assert.deepEqual(['checkout', 'browse_2', '$x', '', '2fast', 'my-scenario', 'with space', 'default', 'class'].map(n => scenarioNameProblem(n) === undefined), [true, true, true, false, false, false, false, false, false]);
    assert.equal(scenarioNameProblem('my-scenario'), "'my-scenario' cannot be a scenario name: use letters, digits and _ (not first a digit), e.g. checkout or browseProducts");
    assert.equal(scenarioFileName('checkout'), 'checkout.load.ts');
  });

  test('the template is a valid, typed scenario with the cursor on the first request path', async () => {
    const { declarations } = await buildPluginProbe();
    const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-new-'));
    const { text, cursor } = scenarioTemplate('checkout');
    const file = path.join(folder, scenarioFileName('checkout'));
    writeFileSync(file, text);
    assert.deepEqual(typeProblems(file, declarations), []);
    assert.deepEqual(await loaderProblems(file), []);
    const loaded = await loadScenarioFile(file);
    assert.deepEqual(loaded.ok && loaded.scenarios.map(s => s.exportName), ['checkout']);
    const line = text.split('\n')[cursor.line]!;
    assert.equal(line, "  const res = await http.get('/');");
    assert.equal(line.slice(cursor.start, cursor.end), '/');
  });
});
