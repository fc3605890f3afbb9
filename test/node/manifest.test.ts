/**
 * custom-elements.json: the committed file is what the analyzer makes from the source today
 * (not stale); it documents everything of `<video-call>` that CONTRACT.md sections 2–5 name
 * (attributes, methods, read-only properties, events with their detail fields, parts), with a
 * description for each; and the README's attribute and event tables list exactly the
 * manifest's attributes and events.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

interface Item {
  name: string;
  description?: string;
  type?: { text: string };
  kind?: string;
  readonly?: boolean;
  privacy?: string;
  fieldName?: string;
}
interface Declaration {
  tagName?: string;
  customElement?: boolean;
  attributes?: Item[];
  members?: Item[];
  events?: Item[];
  cssParts?: Item[];
  cssProperties?: Item[];
}
interface Manifest {
  modules: { path: string; declarations?: Declaration[] }[];
}

const manifest = JSON.parse(read('custom-elements.json')) as Manifest;
const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'video-call');

/** CONTRACT.md (shared/, beside the repository), with what sections 2–5 name. */
function contract() {
  const file = [path.join(root, '../shared/CONTRACT.md'), '/work/shared/CONTRACT.md'].find((f) => existsSync(f));
  if (!file) return null;
  const text = readFileSync(file, 'utf8');
  const section = (n: number) => text.slice(text.indexOf(`## ${n}.`), text.indexOf(`## ${n + 1}.`));
  const firstCells = (s: string) =>
    s
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|')[1]);
  const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const eventRows = section(4)
    .split('\n')
    .filter((l) => l.startsWith('| `vc-'))
    .map((l) => {
      const [, name, detail] = l.split('|');
      const fields = (detail.match(/`\{([^}]*)\}`/)?.[1] ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      return { name: ticked(name)[0], fields };
    });
  return {
    attributes: firstCells(section(2)).flatMap(ticked),
    methods: [...section(3).matchAll(/`(\w+)\(/g)].map((m) => m[1]),
    readOnly: ['state', 'peers', 'localStream'].filter((p) => section(3).includes(`\`${p}\``)),
    events: eventRows,
    parts: [...section(5).matchAll(/part="([^"]+)"/g)].map((m) => m[1]),
    cssPrefix: section(5).includes('`--vc-`'),
  };
}

test('custom-elements.json declares <video-call> and package.json points to it', () => {
  assert.ok(element, 'a declaration with tagName "video-call"');
  assert.equal(element.customElement, true);
  const pkg = JSON.parse(read('package.json')) as { customElements?: string; exports?: Record<string, unknown> };
  assert.equal(pkg.customElements, 'custom-elements.json');
  assert.equal(pkg.exports?.['./custom-elements.json'], './custom-elements.json');
});

test('the committed custom-elements.json is what the analyzer makes from the source now', () => {
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'test-results', 'cem-'));
  try {
    // The analyzer joins --outdir to the working directory, so it must be relative.
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/@custom-elements-manifest/analyzer/cem.js'),
        'analyze',
        '--litelement',
        '--config',
        'custom-elements-manifest.config.mjs',
        '--quiet',
        '--outdir',
        path.relative(root, dir),
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const fresh = readFileSync(path.join(dir, 'custom-elements.json'), 'utf8');
    assert.ok(fresh === read('custom-elements.json'), 'custom-elements.json is stale: run `npm run analyze` and commit it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every attribute, method, read-only property, event and part of CONTRACT.md sections 2–5 is in the manifest', () => {
  assert.ok(element);
  const c = contract();
  // The contract's lists, also spelled out here so the test stands without shared/.
  const attributes = new Set([
    'room',
    'transport',
    'server',
    'firebase-config',
    'ice-servers',
    'name',
    'token',
    'autojoin',
    'ring',
    'audio',
    'video',
    'max-peers',
    ...(c?.attributes ?? []),
  ]);
  const methods = new Set([
    'join',
    'leave',
    'call',
    'accept',
    'decline',
    'toggleMic',
    'toggleCamera',
    'startScreenShare',
    'stopScreenShare',
    'sendChat',
    'getStats',
    ...(c?.methods ?? []),
  ]);
  const events = new Map<string, string[]>([
    ['vc-joined', ['room', 'selfId']],
    ['vc-left', ['room']],
    ['vc-peer-joined', ['peerId', 'name']],
    ['vc-peer-connected', ['peerId']],
    ['vc-peer-left', ['peerId']],
    ['vc-incoming-call', ['peerId', 'name']],
    ['vc-peer-media', ['peerId', 'audio', 'video', 'screen']],
    ['vc-chat-message', ['from', 'name', 'text', 'at']],
    ['vc-screen-share', ['active']],
    ['vc-error', ['code', 'message']],
  ]);
  for (const e of c?.events ?? []) events.set(e.name, [...new Set([...(events.get(e.name) ?? []), ...e.fields])]);
  const parts = new Set(['local-video', 'remote-video', 'chat', 'controls', ...(c?.parts ?? [])]);
  if (c) {
    assert.ok(c.attributes.length >= 12 && c.methods.length >= 11 && c.events.length >= 10 && c.parts.length >= 4, 'CONTRACT.md parsed');
  }

  const attrs = new Map((element.attributes ?? []).map((a) => [a.name, a]));
  for (const a of attributes) {
    assert.ok(attrs.has(a), `attribute ${a} missing`);
    assert.ok(attrs.get(a)!.description, `attribute ${a} has no description`);
    assert.ok(attrs.get(a)!.type?.text, `attribute ${a} has no type`);
  }
  const members = new Map((element.members ?? []).map((m) => [m.name, m]));
  for (const m of methods) {
    assert.equal(members.get(m)?.kind, 'method', `method ${m} missing`);
    assert.ok(members.get(m)!.description, `method ${m} has no description`);
  }
  for (const p of ['state', 'peers', 'localStream', ...(c?.readOnly ?? [])]) {
    assert.equal(members.get(p)?.readonly, true, `read-only property ${p} missing or not read-only`);
    assert.ok(members.get(p)!.description && members.get(p)!.type?.text, `property ${p} undocumented`);
  }
  // Every attribute reflects a documented property of the camelCase name.
  for (const a of attributes) {
    const camel = a.replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase());
    assert.equal(attrs.get(a)!.fieldName, camel, `attribute ${a} → property ${camel}`);
    assert.ok(members.get(camel)?.description, `property ${camel} undocumented`);
  }
  const evs = new Map((element.events ?? []).map((e) => [e.name, e]));
  for (const [name, fields] of events) {
    const e = evs.get(name);
    assert.ok(e, `event ${name} missing`);
    assert.ok(e.description, `event ${name} has no description`);
    const type = e.type?.text ?? '';
    assert.match(type, /^CustomEvent<\{.*\}>$/, `event ${name} has no detail type`);
    for (const f of fields) assert.match(type, new RegExp(`\\b${f}\\s*:`), `event ${name}: detail field ${f} missing from its type`);
  }
  const partNames = new Map((element.cssParts ?? []).map((p) => [p.name, p]));
  for (const p of parts) assert.ok(partNames.get(p)?.description, `part ${p} missing or undocumented`);
  // The custom properties the styles really read are all documented (and nothing else).
  // Every file of the element: each piece of UI has its own template and styles beside it.
  const componentFiles = readdirSync(path.join(root, 'src/components/video-call')).filter((f) => f.endsWith('.ts'));
  const styles = componentFiles
    .filter((f) => f.endsWith('.styles.ts'))
    .map((f) => read(`src/components/video-call/${f}`))
    .join('\n');
  const used = new Set([...styles.matchAll(/var\((--vc-[\w-]+)/g)].map((m) => m[1]));
  const documented = new Set((element.cssProperties ?? []).map((p) => p.name));
  assert.ok(used.size > 0);
  for (const v of used) assert.ok(documented.has(v), `CSS custom property ${v} is used by the styles but not documented`);
  for (const v of documented) assert.ok(used.has(v), `CSS custom property ${v} is documented but the styles never read it`);
  for (const p of element.cssProperties ?? [])
    assert.ok(p.name.startsWith('--vc-') && p.description, `CSS property ${p.name} undocumented`);
  // Parts named in the template are all documented.
  const template = componentFiles
    .filter((f) => !f.endsWith('.styles.ts'))
    .map((f) => read(`src/components/video-call/${f}`))
    .join('\n');
  const inTemplate = new Set(
    [...template.matchAll(/part="([^"$]+)"/g)].flatMap((m) => m[1].split(/\s+/)).filter((p) => /^[a-z-]+$/.test(p)),
  );
  for (const p of inTemplate) assert.ok(partNames.has(p), `part ${p} is in the template but not documented`);
  // Nothing private leaks into the public API.
  for (const m of element.members ?? [])
    assert.ok(!m.name.startsWith('#') && !m.name.startsWith('_') && m.privacy !== 'private', `private member ${m.name} in the manifest`);
});

/** The names in the first column of the README table under `heading`. */
function readmeTable(heading: string): string[] {
  const readme = read('README.md');
  const start = readme.indexOf(heading);
  assert.ok(start >= 0, `README has "${heading}"`);
  const lines = readme.slice(start).split('\n').slice(1);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(...[...l.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  }
  return rows;
}

test('the README attribute and event tables list exactly the attributes and events of the manifest', () => {
  assert.ok(element);
  const attrs = (element.attributes ?? []).map((a) => a.name).sort();
  const events = (element.events ?? []).map((e) => e.name).sort();
  assert.deepEqual(readmeTable('### Attributes').sort(), attrs, 'README attribute table ≠ custom-elements.json attributes');
  assert.deepEqual(readmeTable('### Events').sort(), events, 'README event table ≠ custom-elements.json events');
});

test('the README styling section names every CSS part and custom property of the manifest', () => {
  assert.ok(element);
  const readme = read('README.md');
  const styling = readme.slice(readme.indexOf('### Styling'), readme.indexOf('\n## ', readme.indexOf('### Styling')));
  const named = new Set([...styling.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  for (const p of element.cssParts ?? []) assert.ok(named.has(p.name), `README styling section lacks the part ${p.name}`);
  for (const p of element.cssProperties ?? []) assert.ok(named.has(p.name), `README styling section lacks ${p.name}`);
});
