/**
 * A real tsserver (the TypeScript project's own, as an editor runs it) with the Loadlens plugin loaded
 * the way VS Code loads it: `--globalPlugins loadlens-typescript-plugin --pluginProbeLocations DIR`,
 * tsserver then requiring DIR/node_modules/loadlens-typescript-plugin. The plugin and the declarations
 * are built here from the sources, as scripts/build.mjs builds them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
// @ts-expect-error: plain .mjs build scripts have no declarations
import { scenarioApiDeclarations } from '../../scripts/declarations.mjs';
// @ts-expect-error: plain .mjs build scripts have no declarations
import { PLUGIN_NAME, pluginPackage } from '../../scripts/tsserver-plugin.mjs';

const root = path.resolve(import.meta.dirname, '../..');

let built: Promise<{ probe: string; declarations: string }> | undefined;

/**
 * Builds dist-like output in a temporary folder, once per process: the plugin bundle, loadlens.d.ts and
 * the probe folder. Returns the probe location and the declarations' path.
 */
export function buildPluginProbe(): Promise<{ probe: string; declarations: string }> {
  built ??= build();
  return built;
}

async function build(): Promise<{ probe: string; declarations: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-plugin-'));
  const dist = path.join(dir, 'dist');
  mkdirSync(dist);
  await esbuild.build({
    entryPoints: [path.join(root, 'src/typescript-plugin/plugin.ts')], outfile: path.join(dist, 'typescript-plugin.js'),
    bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent', footer: { js: 'module.exports = module.exports.default;' },
  });
  const declarations = path.join(dist, 'loadlens.d.ts');
  writeFileSync(declarations, (scenarioApiDeclarations as () => string)());
  const pluginDir = path.join(dir, 'node_modules', PLUGIN_NAME as string);
  mkdirSync(pluginDir, { recursive: true });
  for (const [name, text] of Object.entries((pluginPackage as (bundle: string) => Record<string, string>)('../../dist/typescript-plugin.js'))) writeFileSync(path.join(pluginDir, name), text);
  return { probe: dir, declarations };
}

export interface TsDiagnostic { start: { line: number; offset: number }; text: string; code: number; category: string }

/** A tsserver child speaking its JSON protocol over stdio. */
export class TsServer {
  private readonly child: ChildProcess;
  private seq = 0;
  private buffer = '';
  private readonly pending = new Map<number, (response: { success: boolean; body?: unknown; message?: string }) => void>();

  constructor(options: { probe?: string } = {}) {
    const plugins = options.probe ? ['--globalPlugins', PLUGIN_NAME as string, '--pluginProbeLocations', options.probe] : [];
    this.child = spawn(process.execPath, [path.join(root, 'node_modules/typescript/lib/tsserver.js'), '--disableAutomaticTypingAcquisition', ...plugins], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.receive(chunk));
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const header = /Content-Length: (\d+)\r\n\r\n/.exec(this.buffer);
      if (!header) return;
      const start = header.index + header[0].length;
      const length = Number(header[1]);
      const body = Buffer.from(this.buffer.slice(start), 'utf8');
      if (body.length < length) return;
      const json = body.subarray(0, length).toString('utf8');
      this.buffer = body.subarray(length).toString('utf8');
      const message = JSON.parse(json) as { type: string; request_seq?: number; success: boolean; body?: unknown };
      if (message.type === 'response' && message.request_seq !== undefined) {
        this.pending.get(message.request_seq)?.(message);
        this.pending.delete(message.request_seq);
      }
    }
  }

  request<T>(command: string, args: unknown): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, response => (response.success ? resolve(response.body as T) : reject(new Error(`tsserver ${command}: ${response.message}`))));
      this.child.stdin!.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    });
  }

  /** Opens a file as the editor does (its text from disk) in an inferred project with `options`. */
  async open(file: string, options: Record<string, unknown>): Promise<void> {
    await this.request('compilerOptionsForInferredProjects', { options });
    await this.request('open', { file });
  }

  /** Syntactic, semantic and suggestion-free diagnostics: what the Problems panel shows for the file. */
  async problems(file: string): Promise<TsDiagnostic[]> {
    const syntactic = await this.request<TsDiagnostic[]>('syntacticDiagnosticsSync', { file });
    const semantic = await this.request<TsDiagnostic[]>('semanticDiagnosticsSync', { file });
    return [...syntactic, ...semantic];
  }

  close(): void {
    this.child.kill();
  }
}

/** VS Code's settings for a file in no project (js/ts.implicitProjectConfig), made stricter: strict and checkJs on. */
export const EDITOR_INFERRED_OPTIONS = {
  module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', allowJs: true, checkJs: true, strict: true,
  allowSyntheticDefaultImports: true, allowNonTsExtensions: true, resolveJsonModule: true,
};
