// A small, strict Markdown renderer that builds DOM nodes and never HTML (docs/web.md, "Markdown"):
// what a task's description says is text, whoever wrote it. The subset:
//   blocks:  paragraphs (a single newline is a line break), # to ###### headings (drawn two
//            levels down, under the page's own headings), "- " / "* " and "1. " lists (one
//            level), "> " quotes, ``` fenced code, --- rules;
//   inline:  `code`, **bold**, *italic* or _italic_, [text](link) where the link is http:,
//            https:, mailto: or a path on this server ("/tasks/7"); any other link stays text.
// Raw HTML is not a thing here: "<script>" is drawn as those characters.
import { h } from './dom.js';

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s\n][^*\n]*\*)|(_[^_\s\n][^_\n]*_)|(\[[^\]\n]+\]\([^)\s]+\))/g;

export function safeLink(url) {
  if (/^(https?:|mailto:)/i.test(url)) return url;
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return url;
  return null;
}

export function inline(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    const [token] = match;
    if (match[1]) nodes.push(h('code', {}, token.slice(1, -1)));
    else if (match[2]) nodes.push(h('strong', {}, inline(token.slice(2, -2))));
    else if (match[3] || match[4]) nodes.push(h('em', {}, inline(token.slice(1, -1))));
    else {
      const close = token.indexOf('](');
      const label = token.slice(1, close);
      const href = safeLink(token.slice(close + 2, -1));
      nodes.push(href ? h('a', { href, rel: 'noopener noreferrer nofollow' }, inline(label)) : token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function withBreaks(lines) {
  const nodes = [];
  lines.forEach((line, i) => {
    if (i > 0) nodes.push(h('br'));
    nodes.push(...inline(line));
  });
  return nodes;
}

// The DOM of `source`, as a DocumentFragment.
export function render(source) {
  const out = document.createDocumentFragment();
  const lines = String(source ?? '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') { i++; continue; }
    if (line.startsWith('```')) {
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;  // the closing fence (or the end)
      out.append(h('pre', {}, h('code', {}, code.join('\n'))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.append(h(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
      i++;
      continue;
    }
    if (/^(-{3,}|\*{3,})\s*$/.test(line)) {
      out.append(h('hr'));
      i++;
      continue;
    }
    if (line.startsWith('>')) {
      const quoted = [];
      for (; i < lines.length && lines[i].startsWith('>'); i++) quoted.push(lines[i].replace(/^>\s?/, ''));
      out.append(h('blockquote', {}, h('p', {}, withBreaks(quoted))));
      continue;
    }
    const bullet = /^\s*[-*]\s+/;
    const numbered = /^\s*\d+[.)]\s+/;
    if (bullet.test(line) || numbered.test(line)) {
      const pattern = bullet.test(line) ? bullet : numbered;
      const list = h(pattern === bullet ? 'ul' : 'ol');
      for (; i < lines.length && pattern.test(lines[i]); i++) list.append(h('li', {}, inline(lines[i].replace(pattern, ''))));
      out.append(list);
      continue;
    }
    const paragraph = [];
    for (; i < lines.length && lines[i].trim() !== '' && !/^(```|#{1,6}\s|>|\s*[-*]\s|\s*\d+[.)]\s)/.test(lines[i]); i++) paragraph.push(lines[i]);
    if (paragraph.length === 0) { paragraph.push(lines[i]); i++; }
    out.append(h('p', {}, withBreaks(paragraph)));
  }
  return out;
}
