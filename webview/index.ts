// The one webview bundle (dist/webview.js) serves three pages; the extension's HTML says which with
// `<body data-view>`: 'trace' is Loadlens's trace view, 'compare' the comparison of two runs, anything
// else the results panel. Each page calls acquireVsCodeApi() (allowed once per page) when its module is
// evaluated, so only the chosen one is.
if (document.body.dataset.view === 'trace') void import('./trace-view.ts');
else if (document.body.dataset.view === 'compare') void import('./compare.ts');
else void import('./main.ts');
