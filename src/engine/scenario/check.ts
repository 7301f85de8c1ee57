/**
 * `loadlens check FILE`: compiles and validates every scenario in a file without running it (no
 * request is sent, no user function is called; the module's top level is evaluated, as the run would).
 */
import path from 'node:path';
import type { CheckDiagnostic, CheckReport } from '../../shared/protocol.ts';
import { loadScenarioFile } from './loader.ts';
import { checkThreshold } from './threshold-check.ts';

/** Every problem of every scenario in `file`, and the scenarios found. Never throws for the user's mistakes. */
export async function checkScenarioFile(file: string): Promise<CheckReport> {
  const entry = path.resolve(file);
  const loaded = await loadScenarioFile(entry, { checkThreshold });
  if (!loaded.ok) {
    const diagnostics: CheckDiagnostic[] = loaded.diagnostics.map(d => ({ ...d, severity: 'error' }));
    return { kind: 'check', file: entry, ok: false, scenarios: [], diagnostics };
  }
  return {
    kind: 'check',
    file: entry,
    ok: true,
    scenarios: loaded.scenarios.map(s => ({ name: s.exportName, ...s.location })),
    diagnostics: loaded.warnings.map(d => ({ ...d, severity: 'warning' })),
  };
}
