// Entry point the extension host loads (extensionTestsPath): runs every *.test.js bundled beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

/** Marks mocha's own output among everything the workbench logs, so the runner can print just that. */
export const MOCHA_MARK = 'mocha› ';

export function run(): Promise<void> {
  // LOADLENS_TEST_GREP runs only the tests whose full title matches (a focused run on a busy machine).
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, ...(process.env.LOADLENS_TEST_GREP ? { grep: process.env.LOADLENS_TEST_GREP } : {}) });
  const log = console.log;
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => log(MOCHA_MARK + format(...args));
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run(failures => {
      const out = process.env.LOADLENS_TEST_RESULT_FILE;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed: runner.stats?.passes ?? 0, failed: failures, skipped: runner.stats?.pending ?? 0 }));
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
