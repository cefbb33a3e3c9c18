import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../platform/env';

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'edge-tiles',
    version: '0.1.0',
    description:
      'Raster and vector tiles, a STAC catalog, resumable uploads and processing jobs for drone and satellite ' +
      'imagery, on Cloudflare Workers. Errors are application/problem+json (RFC 9457).',
  },
};

/** Serves the OpenAPI document generated from the route definitions, and a page that renders it. */
export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token from POST /auth/token, or an API key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.doc31('/openapi.json', (c) => ({ ...OPENAPI_INFO, servers: [{ url: new URL(c.req.url).origin }] }));
  app.get('/docs', async (c) => c.html(DOCS_PAGE, 200, { 'content-security-policy': await docsPolicy() }));
}

/**
 * The page's own policy: its one inline script and one inline style, by hash, and requests to this
 * origin only (it fetches /openapi.json). Hashed once per isolate.
 */
let policy: Promise<string> | undefined;
function docsPolicy(): Promise<string> {
  const hash = async (text: string) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
    return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
  };
  const inner = (tag: string) =>
    DOCS_PAGE.slice(DOCS_PAGE.indexOf(`<${tag}>`) + tag.length + 2, DOCS_PAGE.indexOf(`</${tag}>`));
  policy ??= Promise.all([hash(inner('script')), hash(inner('style'))]).then(
    ([script, style]) =>
      `default-src 'none'; script-src ${script}; style-src ${style}; connect-src 'self'; img-src 'self'; ` +
      `base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  return policy;
}

// Self-contained on purpose: the docs must render without reaching a CDN.
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>edge-tiles API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2433;background:#f7f8fa}
header{background:#1d2433;color:#fff;padding:1.2rem 2rem}header p{margin:.3rem 0 0;opacity:.8}header a{color:#9cf}
main{max-width:70rem;margin:0 auto;padding:1rem 2rem}h2{margin-top:2rem;text-transform:capitalize}
details{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:.4rem 0}
summary{cursor:pointer;padding:.5rem .8rem;display:flex;gap:.8rem;align-items:baseline}
.m{font:600 12px monospace;text-transform:uppercase;padding:.1rem .4rem;border-radius:3px;color:#fff;min-width:3.5rem;
text-align:center}
.get{background:#2f7d32}.post{background:#1f5fbf}.patch{background:#9a6a00}.put{background:#7a3fb0}
.delete{background:#b3261e}
code,pre{font-family:ui-monospace,monospace}.body{padding:0 1rem 1rem}
pre{background:#f0f2f5;padding:.6rem;overflow:auto;border-radius:4px;font-size:12px}
table{border-collapse:collapse}td{padding:.15rem .6rem .15rem 0;vertical-align:top}
</style></head>
<body><header><h1 id="title">edge-tiles API</h1><p id="desc"></p>
<p><a href="/openapi.json">openapi.json</a></p></header>
<main id="ops">Loading…</main>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (ch) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[ch]));
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('desc').textContent = doc.info.description || '';
  const groups = {};
  for (const [path, item] of Object.entries(doc.paths || {})) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || 'other';
    (groups[tag] = groups[tag] || []).push({ path, method, op });
  }
  let html = '';
  for (const [tag, ops] of Object.entries(groups)) {
    html += '<h2>' + esc(tag) + '</h2>';
    for (const { path, method, op } of ops) {
      const params = (op.parameters || []).map((p) => '<tr><td><code>' + esc(p.name) + '</code></td><td>'
        + esc(p.in) + (p.required ? ', required' : '') + '</td><td>' + esc(p.description) + '</td></tr>').join('');
      const body = op.requestBody && op.requestBody.content
        ? Object.entries(op.requestBody.content).map(([t, c]) => '<p>Body <code>' + esc(t) + '</code></p><pre>'
          + esc(JSON.stringify(c.schema, null, 2)) + '</pre>').join('')
        : '';
      const responses = Object.entries(op.responses || {}).map(([code, r]) => '<tr><td><code>' + esc(code)
        + '</code></td><td>' + esc(r.description) + '</td></tr>').join('');
      html += '<details><summary><span class="m ' + esc(method) + '">' + esc(method) + '</span><code>'
        + esc(path) + '</code><span>' + esc(op.summary) + '</span></summary><div class="body">'
        + (op.description ? '<p>' + esc(op.description) + '</p>' : '')
        + (op.security ? '<p>Needs a bearer token or API key.</p>' : '')
        + (params ? '<table>' + params + '</table>' : '') + body
        + '<p>Responses</p><table>' + responses + '</table></div></details>';
    }
  }
  document.getElementById('ops').innerHTML = html;
}).catch((e) => { document.getElementById('ops').textContent = 'Could not load /openapi.json: ' + e; });
</script></body></html>`;
