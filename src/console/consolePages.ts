import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Scope } from '../events/schemas/scopes.ts';

/** A console page: its URL, title, the scopes that open it (any one), and whether it draws charts. */
export type ConsolePage = { name: string; path: string; title: string; needs: readonly Scope[]; charts?: boolean };

export const PAGES: readonly ConsolePage[] = [
  { name: 'overview', path: '/console', title: 'Overview', needs: ['admin'], charts: true },
  { name: 'archive', path: '/console/archive', title: 'Failed jobs', needs: ['admin'] },
  { name: 'invoices', path: '/console/invoices', title: 'Invoice', needs: ['invoices:read', 'reports:read'] },
  { name: 'revenue', path: '/console/revenue', title: 'Revenue', needs: ['reports:read'], charts: true },
  { name: 'access', path: '/console/access', title: 'Access', needs: ['admin'] },
];

export const SIGN_IN: ConsolePage = { name: 'sign-in', path: '/console/sign-in', title: 'Sign in', needs: [] };

const BODIES = path.join(import.meta.dirname, 'pages');
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function nav(current: ConsolePage): string {
  // Hidden until the page's script has read the token's scopes: what it may not use is never shown.
  const items = PAGES.map(
    (p) =>
      `<li data-needs="${p.needs.join(' ')}" hidden><a href="${p.path}"${p === current ? ' aria-current="page"' : ''}>${escape(p.title)}</a></li>`,
  ).join('');
  return `<nav aria-label="Console pages"><ul>${items}</ul></nav>
<div class="caller"><span id="caller"></span> <button type="button" id="sign-out" hidden>Sign out</button></div>`;
}

/**
 * The page's HTML: a shell with the navigation and the page's static markup
 * (src/console/pages/NAME.html); its script fills it from /v1 with the token the
 * user signed in with. No inline script or style: the CSP forbids both.
 */
export function renderPage(page: ConsolePage): string {
  const body = readFileSync(path.join(BODIES, `${page.name}.html`), 'utf8');
  const charts = page.charts ? '<script src="/console/vendor/chart.umd.min.js" defer></script>\n' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(page.title)} · accrue console</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
${charts}<script type="module" src="/console/assets/pages/${page.name}.js"></script>
</head>
<body data-needs="${page.needs.join(' ')}">
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/console">accrue</a>${page === SIGN_IN ? '' : nav(page)}</header>
<main id="main" tabindex="-1">
<h1>${escape(page.title)}</h1>
<p id="page-message" class="message" role="status" hidden></p>
${body}</main>
</body>
</html>
`;
}
