// End to end through the real UI, as a person uses it: the packaged .vsix installed into code-server,
// *.load.ts files opened from the explorer, CodeLenses clicked, and the webviews read from their DOM in
// headless Chromium. The scenarios target loopback servers started here, which count what they receive;
// the panel must show the same counts. One file per feature under ui/ (ui/driver.mjs is what they share),
// run in the order below, each from a reset workbench (no editor open, the explorer showing).
//
//   LOADLENS_UI_ONLY=workers,narrow-panel   runs only those features (names as in the list below)
//
// Ends with "ui: N passed, N failed, N skipped": checks passed and failed, features not selected (or
// not reached because the suite could not start). Screenshots land in test-results/ (one or more per feature; ui-last.png at the
// end); the README's and docs' pictures in docs/images/.
import * as driver from './ui/driver.mjs';
import * as runPanel from './ui/run-panel.mjs';
import * as liveRun from './ui/live-run.mjs';
import * as traceLinks from './ui/trace-links.mjs';
import * as traceView from './ui/trace-view.mjs';
import * as authoring from './ui/authoring.mjs';
import * as debug from './ui/debug.mjs';
import * as secrets from './ui/secrets.mjs';
import * as history from './ui/history.mjs';
import * as workers from './ui/workers.mjs';
import * as narrowPanel from './ui/narrow-panel.mjs';
import * as docsScreenshots from './ui/docs-screenshots.mjs';
import * as restricted from './ui/restricted.mjs';
import * as testing from './ui/testing.mjs';

const features = [runPanel, liveRun, traceLinks, traceView, authoring, debug, secrets, history, workers, narrowPanel, testing, docsScreenshots, restricted];
const only = process.env.LOADLENS_UI_ONLY?.split(',').map(s => s.trim()).filter(Boolean);
const unknown = only?.filter(name => !features.some(f => f.name === name)) ?? [];
if (unknown.length) {
  console.error(`LOADLENS_UI_ONLY: no UI feature named ${unknown.join(', ')}; the features are ${features.map(f => f.name).join(', ')}`);
  process.exit(2);
}
const selected = features.filter(f => !only || only.includes(f.name));
const skipped = features.length - selected.length;

let ran = 0;
try {
  await driver.start();
  for (const feature of selected) {
    console.log(`  ui: ${feature.title}`);
    ran++;
    try {
      if (feature !== selected[0]) await driver.resetWorkbench();
      await feature.run();
    } catch (error) {
      driver.check(`the ${feature.name} flow completed`, false, error.message.split('\n')[0]);
      await driver.screenshot(`${feature.name}-failed`).catch(() => {});
    }
  }
} catch (error) {
  driver.check('the UI suite started', false, error.message.split('\n')[0]);
} finally {
  await driver.stop();
}
const { passed, failed } = driver.tally();
console.log(`[ui] done in ${((Date.now() - (driver.ui.started || Date.now())) / 1000).toFixed(1)} s; ${ran} of ${features.length} features; screenshots in test-results/ and docs/images/`);
console.log(`ui: ${passed} passed, ${failed} failed, ${skipped + selected.length - ran} skipped`);
process.exit(failed === 0 ? 0 : 1);
