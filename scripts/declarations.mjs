// dist/loadlens.d.ts: one self-contained declaration file for `import ... from 'loadlens'`, with the API's
// doc comments. dts-bundle-generator rolls it up from src/engine/api/index.ts and what that module re-exports
// (src/engine/api/types.ts, src/shared/duration.ts); tsconfig.api.json compiles just that module, without the
// DOM library, so it takes seconds. Used by scripts/build.mjs and by the unit tests that type-check
// scenarios against the very file the extension and the npm package ship.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';

const root = path.resolve(import.meta.dirname, '..');

const HEADER = "// Types of the Loadlens scenario API: import { scenario, between } from 'loadlens'.\n// Generated from src/engine/api/index.ts by scripts/build.mjs; do not edit.\n\n";

/** The declarations' text. Throws when the API does not compile. */
export function scenarioApiDeclarations() {
  const [text] = generateDtsBundle(
    [{ filePath: path.join(root, 'src/engine/api/index.ts'), output: { noBanner: true } }],
    { preferredConfigPath: path.join(root, 'tsconfig.api.json') },
  );
  return HEADER + text;
}

/** Writes the declarations to `file`. */
export function writeScenarioApiDeclarations(file) {
  writeFileSync(file, scenarioApiDeclarations());
}
