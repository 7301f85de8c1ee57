// The Testing view's items: workspace load files → their scenarios (the CodeLens's locator) → their
// thresholds (each at its line). Built from the files' text alone: nothing runs to list them. The
// locator (TypeScript's parser, large) is loaded on the first file read, as the CodeLens loads it.
import * as vscode from 'vscode';
import { NO_THRESHOLDS_RULE } from '../../shared/test-verdict.ts';

export const LOAD_FILE_GLOB = '**/*.load.{ts,js,mjs}';
const LOAD_FILE = /\.load\.(?:ts|js|mjs)$/;

/** What an item stands for. Ids are stable across edits: `uri`, `uri::scenario`, `uri::scenario::key`. */
export type TestItemData =
  | { kind: 'file'; uri: vscode.Uri }
  | { kind: 'scenario'; uri: vscode.Uri; scenario: string }
  | { kind: 'threshold'; uri: vscode.Uri; scenario: string; key: string; line: number };

export function isLoadFile(uri: vscode.Uri): boolean {
  return LOAD_FILE.test(uri.path) && !uri.path.includes('/node_modules/');
}

export class TestTree {
  private readonly data = new WeakMap<vscode.TestItem, TestItemData>();
  private readonly controller: vscode.TestController;

  constructor(controller: vscode.TestController) {
    this.controller = controller;
  }

  dataOf(item: vscode.TestItem): TestItemData | undefined {
    return this.data.get(item);
  }

  /** The file's item, created (children not yet read: resolved when expanded or run) if new. */
  fileItem(uri: vscode.Uri): vscode.TestItem {
    const existing = this.controller.items.get(uri.toString());
    if (existing) return existing;
    // The folder's name only when there are several (a multi-root workspace).
    const label = vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
    const item = this.controller.createTestItem(uri.toString(), label, uri);
    item.canResolveChildren = true;
    this.data.set(item, { kind: 'file', uri });
    this.controller.items.add(item);
    return item;
  }

  removeFile(uri: vscode.Uri): void {
    this.controller.items.delete(uri.toString());
  }

  /** Every workspace load file as an item (their scenarios are read lazily). */
  async discoverFiles(): Promise<void> {
    const files = await vscode.workspace.findFiles(LOAD_FILE_GLOB, '**/node_modules/**');
    for (const uri of files.sort((a, b) => a.path.localeCompare(b.path))) this.fileItem(uri);
  }

  /** Reads the file (its open editor's text when open, unsaved edits included) and updates its items. */
  async resolveFile(item: vscode.TestItem): Promise<void> {
    const data = this.data.get(item);
    if (data?.kind !== 'file') return;
    const open = vscode.workspace.textDocuments.find(d => d.uri.toString() === data.uri.toString());
    let text: string;
    try {
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(data.uri));
    } catch (error) {
      item.error = `Cannot read this file: ${(error as Error).message}`;
      return;
    }
    await this.update(data.uri, text);
  }

  /**
   * The file's scenarios and thresholds from `text`. Existing items are kept (same ids) and moved to
   * their new lines, so results and the tree's state survive edits.
   */
  async update(uri: vscode.Uri, text: string): Promise<vscode.TestItem> {
    const { findScenarios, findThresholds } = await import('../../shared/scenario-locator.ts');
    const file = this.fileItem(uri);
    file.error = undefined;
    const scenarios = findScenarios(text).map(scenario => {
      const item = this.child(file, `${uri.toString()}::${scenario.name}`, scenario.name, uri, { kind: 'scenario', uri, scenario: scenario.name });
      item.range = new vscode.Range(scenario.line, scenario.column, scenario.line, scenario.column);
      const thresholds = findThresholds(text, scenario).map(threshold => {
        const label = threshold.condition === undefined ? threshold.key : `${threshold.key} ${threshold.condition.trim()}`;
        const child = this.child(item, `${item.id}::${threshold.key}`, label, uri, { kind: 'threshold', uri, scenario: scenario.name, key: threshold.key, line: threshold.line });
        child.range = new vscode.Range(threshold.line, threshold.column, threshold.line, threshold.column + threshold.key.length);
        return child;
      });
      item.children.replace(thresholds);
      item.description = thresholds.length === 0 ? NO_THRESHOLDS_RULE : undefined;
      return item;
    });
    file.children.replace(scenarios);
    file.canResolveChildren = false;
    return file;
  }

  private child(parent: vscode.TestItem, id: string, label: string, uri: vscode.Uri, data: TestItemData): vscode.TestItem {
    const item = parent.children.get(id) ?? this.controller.createTestItem(id, label, uri);
    item.label = label;
    this.data.set(item, data);
    return item;
  }

  /** The scenario items a run covers: files expand to their scenarios, thresholds to theirs; in file then line order. */
  async scenariosOf(include: readonly vscode.TestItem[] | undefined, exclude: readonly vscode.TestItem[] = []): Promise<vscode.TestItem[]> {
    if (!include) await this.discoverFiles();
    const roots = include ?? [...this.controller.items].map(([, item]) => item);
    const excluded = new Set(exclude.map(item => item.id));
    const found = new Map<string, vscode.TestItem>();
    for (const root of roots) {
      const data = this.data.get(root);
      if (!data || excluded.has(root.id)) continue;
      if (data.kind === 'file') {
        if (root.canResolveChildren || root.children.size === 0) await this.resolveFile(root);
        root.children.forEach(scenario => excluded.has(scenario.id) || found.set(scenario.id, scenario));
      } else if (data.kind === 'scenario') found.set(root.id, root);
      else if (root.parent && !excluded.has(root.parent.id)) found.set(root.parent.id, root.parent);
    }
    return [...found.values()].sort((a, b) => (a.uri?.path ?? '').localeCompare(b.uri?.path ?? '') || (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
  }
}
