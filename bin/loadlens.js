#!/usr/bin/env -S node --min-semi-space-size=16
// The `loadlens` command: the same engine bundle the extension forks. The shebang's Node options are
// src/shared/engine-flags.ts's ENGINE_NODE_FLAGS (a unit test keeps them equal).
require('../dist/engine.js');
