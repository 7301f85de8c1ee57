// The one page template of the three webview tabs (results panel, trace view, comparison): the shared
// bundle (dist/webview.js + .css; webview/index.ts picks the page from `data-view`), a strict
// Content-Security-Policy with a per-load nonce, and resources only from the bundle folder.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Scripts on, kept alive when hidden, local resources only from `dist/`. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

export interface WebviewPage {
  title: string;
  /** `data-*` attributes of `<body>` (e.g. `{ view: 'trace', target: '{…}' }`); values are escaped here. */
  data?: Record<string, string>;
  /** What shows until the script renders: trusted, static HTML written by the caller. */
  placeholderHtml: string;
}

/** The page's HTML for `webview`. */
export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('hex');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const data = Object.entries(page.data ?? {}).map(([key, value]) => ` data-${key}="${escape(value)}"`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escape(page.title)}</title>
</head>
<body${data}>
<div id="app">${page.placeholderHtml}</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/** Puts `text` on the clipboard and says so in the status bar (the pages' copy buttons). */
export function copyToClipboard(text: string): void {
  void vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(`Loadlens: copied ${text}`, 3000);
}
