// Builds elements from data without innerHTML: every value becomes a text node, so
// nothing read from the API (an error message, a payload) can turn into markup.

/** h('a', { href, class: 'x', onclick: fn }, 'text', child) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const byId = (id) => document.getElementById(id);

/** A table with a caption, header row and rows of cells (strings or nodes); `numeric` columns align right. */
export function table({ caption, headers, rows, numeric = [], rowHeaders = false, className }) {
  return h(
    'table',
    { class: className },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : undefined }, t)))),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, i) =>
            rowHeaders && i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { class: numeric.includes(i) ? 'num' : undefined }, cell),
          ),
        ),
      ),
    ),
  );
}

/** A labelled figure for the overview cards. */
export const stat = (label, value, note) =>
  h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, h('span', { class: 'value' }, value), note ? h('span', { class: 'note' }, note) : null));
