// API keys (/settings/keys): create one (shown once, with a copy button and the commands that
// connect MCP clients with it), list them, revoke them. The commands say what docs/connect.md and
// `taskwire mcp print-config` say.
import { api } from './api.js';
import { fill, h, say, when, copyButton } from './dom.js';

const root = document.getElementById('app');
const mcpUrl = document.getElementById('main').dataset.mcpUrl;

const SCOPES = [
  ['mcp:read', 'See the tools, resources and prompts', true],
  ['organizations:read', 'See organizations and members', true],
  ['tasks:read', 'Read tasks, messages and questions', true],
  ['jobs:read', 'See jobs and runs', true],
  ['tasks:write', 'Create and change tasks, send messages, ask and answer', false],
  ['tasks:admin', 'Delete, restore and purge tasks', false],
  ['jobs:run', 'Start and stop job runs', false],
  ['keys:manage', 'Manage API keys and connected apps over REST (not for agents)', false],
];
const EXPIRIES = [['', 'Never'], ['7d', '7 days'], ['30d', '30 days'], ['90d', '90 days'], ['365d', '1 year']];


// Each client's configuration for `key`, as docs/connect.md gives it.
export function connectCommands(url, key) {
  const json = (value) => JSON.stringify(value, null, 2);
  return [
    { client: 'Claude Code', where: 'Run in a terminal:', text: `claude mcp add --transport http taskwire ${url} --header "Authorization: Bearer ${key}"` },
    { client: 'Cursor', where: 'Put into .cursor/mcp.json (or ~/.cursor/mcp.json):', text: json({ mcpServers: { taskwire: { url, headers: { Authorization: `Bearer ${key}` } } } }) },
    { client: 'VS Code', where: 'Put into .vscode/mcp.json:', text: json({ servers: { taskwire: { type: 'http', url, headers: { Authorization: `Bearer ${key}` } } } }) },
    { client: 'Claude Desktop', where: 'Put into claude_desktop_config.json (it starts the taskwire command as a local bridge; give its full path if it is not on the PATH):', text: json({ mcpServers: { taskwire: { command: 'taskwire', args: ['mcp', 'stdio', '--url', url], env: { TASKWIRE_API_KEY: key } } } }) },
  ];
}

function createdPanel(key, apiKey) {
  return h('section', { class: 'panel created', 'aria-labelledby': 'h-created' },
    h('h2', { id: 'h-created', tabindex: '-1' }, `Your new key "${apiKey.name}"`),
    h('p', {}, h('strong', {}, 'It is shown only now.'), ' Copy it, or one of the commands below, before you leave this page.'),
    h('div', { class: 'secret' }, h('code', { id: 'new-key' }, key), copyButton('Copy key', () => key)),
    h('h3', {}, 'Connect a client'),
    connectCommands(mcpUrl, key).map(({ client, where, text }) => h('div', { class: 'connect', dataset: { client } },
      h('h4', {}, client), h('p', { class: 'hint' }, where),
      h('pre', {}, h('code', {}, text)), copyButton(client === 'Claude Code' ? 'Copy the Claude Code command' : `Copy the ${client} configuration`, () => text))));
}

function createForm(onCreated) {
  const error = h('p', { class: 'field-error', id: 'create-error', role: 'alert' });
  const form = h('form', { class: 'panel', 'aria-labelledby': 'h-create' },
    h('h2', { id: 'h-create' }, 'Create a key'),
    h('label', { for: 'k-name' }, 'Name'),
    h('input', { id: 'k-name', name: 'name', required: true, maxlength: 100, placeholder: 'claude-code', 'aria-describedby': 'create-error' }),
    h('fieldset', {}, h('legend', {}, 'May'),
      SCOPES.map(([scope, text, read]) => h('label', { class: 'scope' },
        h('input', { type: 'checkbox', name: 'scope', value: scope, checked: read }), ' ', text, ' ', h('code', {}, scope)))),
    h('label', { for: 'k-expiry' }, 'Expires'),
    h('select', { id: 'k-expiry', name: 'expiry' }, EXPIRIES.map(([v, t]) => h('option', { value: v, selected: v === '90d' }, t))),
    h('label', { class: 'scope' }, h('input', { type: 'checkbox', name: 'review', id: 'k-review' }), ' Review mode ',
      h('span', { class: 'hint' }, '(the key reads; its writes are refused until proposals are available)')),
    h('button', { type: 'submit' }, 'Create key'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const scopes = [...form.querySelectorAll('input[name=scope]:checked')].map((box) => box.value);
    if (scopes.length === 0) {
      error.textContent = 'Tick at least one thing the key may do.';
      return;
    }
    const body = { name: form.elements.name.value, scopes, review: form.elements.review.checked };
    if (form.elements.expiry.value) body.expiresIn = form.elements.expiry.value;
    try {
      const created = await api('POST', '/api/v1/keys', body);
      form.reset();
      onCreated(created);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return form;
}

function keyRow(key, onRevoke) {
  const revoked = !!key.revokedAt;
  const expired = key.expiresAt && new Date(key.expiresAt) <= new Date();
  return h('tr', { dataset: { id: String(key.id) } },
    h('th', { scope: 'row' }, key.name),
    h('td', {}, h('code', {}, `${key.prefix}…`)),
    h('td', {}, h('code', {}, key.scopes.join(' ')), key.review ? h('span', { class: 'label' }, 'review') : null),
    h('td', {}, when(key.createdAt)),
    h('td', {}, key.lastUsedAt ? when(key.lastUsedAt) : 'never'),
    h('td', {}, key.expiresAt ? when(key.expiresAt) : 'never'),
    h('td', {}, revoked ? `revoked ${when(key.revokedAt)}` : expired ? 'expired'
      : h('button', { type: 'button', class: 'secondary', 'aria-label': `Revoke ${key.name} (${key.prefix})`, onclick: () => onRevoke(key) }, 'Revoke')));
}

async function start() {
  const created = h('div');
  const list = h('section', { 'aria-labelledby': 'h-keys' });
  const drawList = async () => {
    const { keys } = await api('GET', '/api/v1/keys');
    fill(list, h('h2', { id: 'h-keys' }, 'Your keys'),
      keys.length === 0 ? h('p', {}, 'You have no API keys.') : h('table', { class: 'keys' },
        h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', 'State'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, keys.map((key) => keyRow(key, revoke)))));
  };
  const revoke = async (key) => {
    try {
      await api('DELETE', `/api/v1/keys/${key.id}`);
      say(`Revoked ${key.name}: it fails on its next request.`);
      await drawList();
    } catch (e) {
      say(`Could not revoke ${key.name}: ${e.message}`, true);
    }
  };
  fill(root, 
    h('p', {}, 'An API key lets a program act as you, with only what you tick. Give each client its own key, so each can be revoked alone.'),
    created, createForm(async ({ key, apiKey }) => {
      fill(created, createdPanel(key, apiKey));
      document.getElementById('h-created').focus();
      await drawList();
    }), list);
  try {
    await drawList();
  } catch (e) {
    say(`Could not list your keys: ${e.message}`, true);
  }
}

start();
