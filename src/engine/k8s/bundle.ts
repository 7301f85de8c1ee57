/**
 * A scenario bundled to one file, for a place that has the loadlens CLI and nothing of the user's
 * folder: a Kubernetes pod with the scenario mounted from a ConfigMap.
 *
 * Everything the scenario imports is inlined (its own files and its npm packages) but 'loadlens', which
 * stays an import: in the pod, the engine's loader answers it with the engine's own API, as it does for
 * the user's file at home. The output is an ES module (`.mjs`), so `import.meta.url` and ESM-only
 * packages keep working; the loader compiles it like any scenario file.
 */
import path from 'node:path';
import type { BuildFailure } from 'esbuild';
import type { Diagnostic } from '../../shared/report.ts';
import { loadlensIsExternal, toDiagnostic } from '../scenario/loader.ts';

export type BundleResult =
  | {
      ok: true;
      /** The bundle: an ES module importing nothing but 'loadlens' and Node built-ins. */
      code: string;
      /** Absolute paths of the files inlined (the scenario, its own files, its packages' files). */
      sources: string[];
    }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Bundles `file` and what it imports into one ES module. A file or package that cannot be resolved or
 * inlined (say a native addon) comes back as a Diagnostic at the import that needs it.
 */
export async function bundleScenario(file: string): Promise<BundleResult> {
  const entry = path.resolve(file);
  const workingDir = path.dirname(entry);
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      // Never written: it names the output so that its comments name the inputs relative to the user's folder.
      outfile: path.join(workingDir, 'bundle.mjs'),
      write: false,
      bundle: true,
      plugins: [loadlensIsExternal],
      platform: 'node',
      format: 'esm',
      target: 'node22',
      // Readable in `kubectl get configmap -o yaml`, and in its stack traces.
      minify: false,
      // No source map: the ConfigMap's 1 MiB would go to it, and the pod has none of the files it names.
      sourcemap: false,
      legalComments: 'eof',
      charset: 'utf8',
      metafile: true,
      logLevel: 'silent',
      banner: { js: `// ${path.basename(entry)} bundled by loadlens k8s: the scenario and everything it imports but 'loadlens'.` },
    });
    const code = result.outputFiles[0]?.text ?? '';
    const sources = Object.keys(result.metafile.inputs).map(input => path.resolve(workingDir, input));
    return { ok: true, code, sources };
  } catch (error) {
    const failure = error as Partial<BuildFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    return { ok: false, diagnostics: failure.errors.map(message => toDiagnostic(message, workingDir, entry)) };
  }
}

/** The bundle's file name in the pod, from the user's: `shop.load.ts` → `shop.load.mjs`. */
export function bundleFileName(file: string): string {
  const base = path.basename(file).replace(/\.(m|c)?[jt]sx?$/i, '');
  // A ConfigMap key allows [-._a-zA-Z0-9]; anything else (a space, an accent) becomes '-'.
  return `${base.replace(/[^-._a-zA-Z0-9]/g, '-') || 'scenario'}.mjs`;
}
