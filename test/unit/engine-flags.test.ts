import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../src/shared/engine-flags.ts';

test('the loadlens bin starts Node with the engine flags', () => {
  const shebang = readFileSync(path.resolve(import.meta.dirname, '../../bin/loadlens.js'), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${ENGINE_NODE_FLAGS.join(' ')}`);
});
