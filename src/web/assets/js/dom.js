// Building DOM nodes from data. Text is always text (text nodes, textContent): nothing a person
// or an agent wrote is ever parsed as HTML.

const PROPERTIES = new Set(['value', 'disabled', 'hidden', 'open']);

// h('a', {href: '/x', class: 'card', onclick: f}, 'text', child, [more]) -> the element.
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'checked') node.defaultChecked = node.checked = true;  // reset() keeps it
    else if (key === 'selected') node.defaultSelected = node.selected = true;
    else if (PROPERTIES.has(key)) node[key] = value;
    else if (key === 'style') throw new Error('no inline styles (the Content-Security-Policy refuses them)');
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Replaces the children of `node` by `children` (nested arrays flattened, text as text).
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

// Shows `text` in the page's status line (a live region): an error when `bad`.
export function say(text, bad = false) {
  const line = document.getElementById('status');
  if (!line) return;
  line.textContent = text;
  line.classList.toggle('bad', bad);
}

// A short date and time in the person's locale, from ISO 8601.
export function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// A copy button for `text()`: says "Copied" when the clipboard took it.
export function copyButton(label, text) {
  const button = h('button', { type: 'button', class: 'secondary copy' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy by hand';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

export const STATUSES = ['TODO', 'IN_PROGRESS', 'DONE', 'CANCELLED'];
export const STATUS_NAMES = { TODO: 'To do', IN_PROGRESS: 'In progress', DONE: 'Done', CANCELLED: 'Cancelled' };
