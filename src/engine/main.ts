// Entry of dist/engine.js: the CLI (`loadlens run FILE ...`) and the child the extension forks (`ipc`).
console.log('loadlens engine: not built yet');
