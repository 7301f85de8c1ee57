/**
 * The one reader of scenario files' text, on TypeScript's own parser (no compiling, no running): where
 * each scenario is (the CodeLens) and where an option is written inside a `scenario(` call (the file:line
 * of an option's problem, the line of a threshold). Pure: text in, positions out.
 *
 * TypeScript's parser, not a lighter one (acorn, with or without a type-stripping step), because it reads
 * TypeScript and JavaScript as they are and recovers from syntax errors: a file being typed, with an
 * unclosed bracket in one scenario, still shows the lenses of the others. It weighs 3.5 MB minified, so
 * every caller outside tests loads this module with `await import(...)`: the extension on its first
 * CodeLens, the engine only to place a problem or a threshold; a run without them never evaluates it.
 *
 * Which exports are scenarios follows the loader's rule: an export (`export const`, `export default`,
 * `export { a as b }`, `module.exports`, `exports.name`, a property of `module.exports = { ... }`)
 * whose value comes from the API's `scenario(`: called directly, through a namespace
 * (`loadlens.scenario(`), under an alias, or inside a helper function of the same file that returns one.
 * test/unit/scenario-agreement.test.ts holds the cases on which it and the loader must agree. Known
 * limit: a scenario built in another file and re-exported gets no lens (the loader still runs it by name).
 */
import ts from 'typescript';

export interface ScenarioLocation {
  /** The export name; the engine runs a scenario by this name ('default' for a default export). */
  name: string;
  /** 0-based line and column of the statement that exports it (or declares it, for `export { a }`). */
  line: number;
  column: number;
}

/** Where an option sits in the options object: `['stages', 1, 'target']`. */
export type OptionPath = readonly (string | number)[];

/** The scenarios `text` exports, in source order, each name once. */
export function findScenarios(text: string): ScenarioLocation[] {
  const file = parse(text);
  const isScenario = scenarioMakers(file);
  const found: { name: string; offset: number }[] = [];
  const declared = new Map<string, number>();
  const add = (name: string, node: ts.Node) => found.push({ name, offset: node.getStart(file) });

  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const exported = statement.modifiers?.some(m => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || !declaration.initializer || !isScenario(declaration.initializer)) continue;
        if (exported) add(declaration.name.text, statement);
        else declared.set(declaration.name.text, statement.getStart(file));
      }
    } else if (ts.isExportAssignment(statement)) {
      // export default scenario(...)   export default smoke (declared above)
      const local = ts.isIdentifier(statement.expression) ? declared.get(statement.expression.text) : undefined;
      if (local !== undefined) found.push({ name: 'default', offset: local });
      else if (isScenario(statement.expression)) add('default', statement);
    } else if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      // const a = scenario(...); ... export { a, a as b }: the lens goes on the declaration.
      for (const specifier of statement.exportClause.elements) {
        const local = declared.get((specifier.propertyName ?? specifier.name).text);
        if (local !== undefined) found.push({ name: specifier.name.text, offset: local });
      }
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const { left, right } = statement.expression;
      const target = commonJsExport(left);
      if (target === undefined) continue;
      if (target === 'default' && ts.isObjectLiteralExpression(unwrap(right))) {
        // module.exports = { home: scenario(...), cart }: each property is an export of its own.
        for (const property of (unwrap(right) as ts.ObjectLiteralExpression).properties) {
          const name = property.name && propertyName(property.name);
          if (name === undefined) continue;
          if (ts.isPropertyAssignment(property) && isScenario(property.initializer)) add(name, property);
          else if (ts.isShorthandPropertyAssignment(property) && declared.has(name)) found.push({ name, offset: declared.get(name)! });
        }
      } else if (isScenario(right)) {
        add(target, statement);
      }
    }
  }

  const seen = new Set<string>();
  return found
    .sort((a, b) => a.offset - b.offset)
    // A name exported twice is one scenario to the loader.
    .filter(({ name }) => !seen.has(name) && seen.add(name))
    .map(({ name, offset }) => {
      const { line, character } = file.getLineAndCharacterOfPosition(offset);
      return { name, line, column: character };
    });
}

/**
 * Where the option at `path` is written inside the options object literal of the `scenario(` call at
 * `callSite` (1-based line and column, as a stack trace gives it: at the callee, or at its last name):
 * the deepest part of the path that is found, so `['stages', 1, 'target']` gives the `target` key of
 * the second stage, else that stage, else the `stages` key. A repeated key: the last one, as JavaScript
 * keeps. Undefined when no object literal is the first argument (options built elsewhere).
 */
export function locateOption(sourceText: string, callSite: { line: number; column: number }, path: OptionPath): { line: number; column: number } | undefined {
  const file = parse(sourceText);
  const offset = offsetAt(file, callSite.line, callSite.column);
  if (offset === undefined) return undefined;
  const call = callAt(file, offset);
  const options = call?.arguments[0] && unwrap(call.arguments[0]);
  let container: ts.Expression | undefined = options && ts.isObjectLiteralExpression(options) ? options : undefined;
  let found: ts.Node | undefined;
  for (const segment of path) {
    const member = container && memberOf(container, segment);
    if (!member) break;
    found = member.node;
    container = member.value && (ts.isObjectLiteralExpression(member.value) || ts.isArrayLiteralExpression(member.value)) ? member.value : undefined;
  }
  if (found === undefined) return undefined;
  const { line, character } = file.getLineAndCharacterOfPosition(found.getStart(file));
  return { line: line + 1, column: character + 1 };
}

/** A threshold as written in a scenario's options (`thresholds: { p95: '< 300ms' }`), for the Testing view. */
export interface ThresholdLocation {
  /** The key as written: `p95`, `p95{name:/checkout}`. */
  key: string;
  /** The condition when it is a string literal (`< 300ms`); undefined otherwise. */
  condition?: string;
  /** 0-based line and column of the key (as ScenarioLocation). */
  line: number;
  column: number;
}

/**
 * The thresholds written in the options object literal of `scenario` (as findScenarios found it), in
 * source order, a repeated key once (the last, as JavaScript keeps). None when the options or the
 * thresholds are not literals there (built elsewhere, a helper's arguments): those still run and are
 * judged, the text just cannot show them. Keys that are not literals (`[name]: …`) are skipped.
 */
export function findThresholds(text: string, scenario: ScenarioLocation): ThresholdLocation[] {
  const file = parse(text);
  const offset = offsetAt(file, scenario.line + 1, scenario.column + 1);
  if (offset === undefined) return [];
  const call = scenarioCallAt(file, offset, scenario.name);
  const options = call?.arguments[0] && unwrap(call.arguments[0]);
  const thresholds = options && memberOf(options, 'thresholds')?.value;
  if (!thresholds || !ts.isObjectLiteralExpression(thresholds)) return [];
  const found = new Map<string, ThresholdLocation>();
  for (const property of thresholds.properties) {
    const key = property.name && propertyName(property.name);
    if (key === undefined) continue;
    const value = ts.isPropertyAssignment(property) ? unwrap(property.initializer) : undefined;
    const { line, character } = file.getLineAndCharacterOfPosition(property.getStart(file));
    found.delete(key);
    found.set(key, { key, ...(value && ts.isStringLiteralLike(value) ? { condition: value.text } : {}), line, column: character });
  }
  return [...found.values()];
}

/** The call that makes the scenario whose statement (or `module.exports` property) starts at `offset`. */
function scenarioCallAt(file: ts.SourceFile, offset: number, name: string): ts.CallExpression | undefined {
  const callOf = (e: ts.Expression | undefined) => {
    const u = e && unwrap(e);
    return u && ts.isCallExpression(u) ? u : undefined;
  };
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || offset < node.pos || offset > node.end) return;
    if (node.getStart(file) === offset) {
      if (ts.isVariableStatement(node)) {
        const declarations = node.declarationList.declarations;
        const named = declarations.find(d => ts.isIdentifier(d.name) && d.name.text === name) ?? declarations.find(d => callOf(d.initializer));
        found = callOf(named?.initializer);
      } else if (ts.isExportAssignment(node)) found = callOf(node.expression);
      else if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression)) found = callOf(node.expression.right);
      else if (ts.isPropertyAssignment(node)) found = callOf(node.initializer);
      if (found) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function parse(text: string): ts.SourceFile {
  // ScriptKind.TS reads JavaScript too; parent pointers are needed by getStart().
  return ts.createSourceFile('scenario.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/**
 * Whether an expression makes a scenario: a call of the API's `scenario` (however it is imported) or of
 * a top-level function of this file that calls one (a helper that builds scenarios, or a helper of a
 * helper), possibly awaited, parenthesized or cast.
 */
function scenarioMakers(file: ts.SourceFile): (expression: ts.Expression) => boolean {
  const callees = scenarioCallees(file);
  const makers = new Set<string>();
  const makes = (expression: ts.Expression): boolean => {
    const e = unwrap(expression);
    if (!ts.isCallExpression(e)) return false;
    const callee = unwrap(e.expression);
    if (ts.isIdentifier(callee)) return callees.names.has(callee.text) || makers.has(callee.text);
    return ts.isPropertyAccessExpression(callee) && callee.name.text === 'scenario' && ts.isIdentifier(callee.expression) && callees.namespaces.has(callee.expression.text);
  };
  const functions = topLevelFunctions(file);
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, body] of functions) {
      if (!makers.has(name) && !callees.names.has(name) && callsAny(body, makes)) {
        makers.add(name);
        grew = true;
      }
    }
  }
  return makes;
}

/**
 * The names that call the API's scenario function in this file: `scenario` or its alias from a named
 * import or destructured require of 'loadlens', and the namespaces (`import * as ns`, `const ns =
 * require(...)`, `import ns = require(...)`, a default import) whose `.scenario` it is. With no import of
 * 'loadlens' at all (a file being written), plain `scenario`.
 */
function scenarioCallees(file: ts.SourceFile): { names: Set<string>; namespaces: Set<string> } {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  let imported = false;
  const isLoadlens = (node: ts.Node | undefined) => node !== undefined && ts.isStringLiteralLike(node) && node.text === 'loadlens';
  const requiresLoadlens = (node: ts.Node | undefined) => {
    const e = node && unwrap(node as ts.Expression);
    return e !== undefined && ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'require' && isLoadlens(e.arguments[0]);
  };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && isLoadlens(statement.moduleSpecifier)) {
      imported = true;
      const clause = statement.importClause;
      if (clause?.name) namespaces.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      else if (bindings) for (const e of bindings.elements) if ((e.propertyName ?? e.name).text === 'scenario') names.add(e.name.text);
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference) && isLoadlens(statement.moduleReference.expression)) {
      imported = true;
      namespaces.add(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!requiresLoadlens(declaration.initializer)) continue;
        imported = true;
        if (ts.isIdentifier(declaration.name)) namespaces.add(declaration.name.text);
        else if (ts.isObjectBindingPattern(declaration.name)) {
          for (const element of declaration.name.elements) {
            const key = element.propertyName ?? element.name;
            if (ts.isIdentifier(key) && key.text === 'scenario' && ts.isIdentifier(element.name)) names.add(element.name.text);
          }
        }
      }
    }
  }
  if (!imported) names.add('scenario');
  return { names, namespaces };
}

/** `function name() {...}` and `const name = () => ...` / `= function () {...}` at the top level, by name, with their bodies. */
function topLevelFunctions(file: ts.SourceFile): Map<string, ts.Node> {
  const functions = new Map<string, ts.Node>();
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) functions.set(statement.name.text, statement.body);
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const value = declaration.initializer && unwrap(declaration.initializer);
        if (ts.isIdentifier(declaration.name) && value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value))) functions.set(declaration.name.text, value.body);
      }
    }
  }
  return functions;
}

function callsAny(node: ts.Node, makes: (e: ts.Expression) => boolean): boolean {
  return (ts.isCallExpression(node) && makes(node)) || (ts.forEachChild(node, child => callsAny(child, makes) || undefined) ?? false);
}

/** 'default' for `module.exports`, the name for `module.exports.name` / `exports.name`, else undefined. */
function commonJsExport(left: ts.Expression): string | undefined {
  const isModuleExports = (e: ts.Expression) => ts.isPropertyAccessExpression(e) && e.name.text === 'exports' && ts.isIdentifier(e.expression) && e.expression.text === 'module';
  if (isModuleExports(left)) return 'default';
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const owner = left.expression;
  return (ts.isIdentifier(owner) && owner.text === 'exports') || isModuleExports(owner) ? left.name.text : undefined;
}

/**
 * The innermost call whose callee, with the blanks before it, spans `offset` (a stack frame points at
 * the callee, at its last name, or just before it).
 */
function callAt(file: ts.SourceFile, offset: number): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (offset < node.pos || offset > node.end) return;
    if (ts.isCallExpression(node) && offset <= node.expression.end) found = node;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The member `segment` (a key of the object, an index of the array) of a literal, and its value; the last one when a key repeats. */
function memberOf(literal: ts.Expression, segment: string | number): { node: ts.Node; value: ts.Expression | undefined } | undefined {
  if (ts.isArrayLiteralExpression(literal)) {
    const element = typeof segment === 'number' ? literal.elements[segment] : undefined;
    return element && { node: element, value: unwrap(element) };
  }
  if (!ts.isObjectLiteralExpression(literal) || typeof segment !== 'string') return undefined;
  let found: { node: ts.Node; value: ts.Expression | undefined } | undefined;
  for (const property of literal.properties) {
    if (property.name && propertyName(property.name) === segment) {
      found = { node: property, value: ts.isPropertyAssignment(property) ? unwrap(property.initializer) : undefined };
    }
  }
  return found;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

/** The expression inside parentheses, `await`, `as`, `satisfies` and `!`. */
function unwrap(expression: ts.Expression): ts.Expression {
  let e = expression;
  while (ts.isParenthesizedExpression(e) || ts.isAwaitExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/** The offset of a 1-based line and column, or undefined past the text's end. */
function offsetAt(file: ts.SourceFile, line: number, column: number): number | undefined {
  const starts = file.getLineStarts();
  if (line < 1 || line > starts.length || column < 1) return undefined;
  const offset = starts[line - 1]! + column - 1;
  return offset <= file.text.length ? offset : undefined;
}
