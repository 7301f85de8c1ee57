#!/usr/bin/env node
// The `loadlens` command: the same engine bundle the extension forks.
require("../dist/engine.js");
