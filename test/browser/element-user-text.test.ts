// Names and chat text come from other people: a right-to-left override (U+202E) in one must not
// reverse the element's own text around it, and control characters must not show (as boxes).
import { expect } from '@open-wc/testing';
import { CallEngine } from '../../src/call/call-engine.js';
import type { VideoCall } from '../../src/video-call.js';
import { addCall, eventWithin, removeAllCalls, shadow, uniqueRoom, waitUntil } from './helpers.js';

type ChatEvent = { from: string; name: string; text: string; at: number };
const RLO = '\u202E';
/** C0 and C1 controls (not newline and tab) and DEL. */
// eslint-disable-next-line no-control-regex -- the characters under test
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** Joins a `<video-call>` alone in a room (local transport) and returns it with a way to make its engine report chat. */
async function joinedAlone(name: string): Promise<{ el: VideoCall; emitChat: (m: ChatEvent) => void }> {
  const join = CallEngine.prototype.join;
  let engine: CallEngine | undefined;
  CallEngine.prototype.join = function (this: CallEngine, ...args: Parameters<CallEngine['join']>) {
    engine = this;
    return join.apply(this, args);
  };
  try {
    const el = addCall({ room: uniqueRoom('text'), transport: 'local', autojoin: true, name, 'ice-servers': '[]' });
    await eventWithin(el, 'vc-joined');
    await el.updateComplete;
    const e = engine as unknown as { emit(type: 'chat-message', m: ChatEvent): void };
    return { el, emitChat: (m) => e.emit('chat-message', m) };
  } finally {
    CallEngine.prototype.join = join;
  }
}

/** The on-screen box of the first occurrence of `text` among the text nodes under `root`. */
function boxOf(root: Node, text: string): DOMRect {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.textContent!.indexOf(text);
    if (i < 0) continue;
    const range = document.createRange();
    range.setStart(n, i);
    range.setEnd(n, i + text.length);
    return range.getBoundingClientRect();
  }
  throw new Error(`"${text}" not found in ${(root as Element).outerHTML ?? root.textContent}`);
}

/** `el` (or the <bdi> inside it) isolates its text from what surrounds it. */
function isolated(el: Element): boolean {
  const target = el.matches('bdi, [dir="auto"]') ? el : el.querySelector('bdi');
  return !!target && getComputedStyle(target).unicodeBidi === 'isolate';
}

describe('<video-call> and the text of others', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  it('a right-to-left override in our name stays inside it: "(you)" still follows it on our tile', async () => {
    const { el } = await joinedAlone(`Eve${RLO}live`);
    const label = shadow(el).querySelector('figure[part~="local-tile"] figcaption .name')!;
    expect(label.textContent).to.equal(`Eve${RLO}live (you)`);
    const name = boxOf(label, `Eve${RLO}live`);
    const you = boxOf(label, '(you)');
    expect(you.left, '"(you)" starts after the name ends').to.be.at.least(name.right - 1);
    expect(isolated(label), 'the name is isolated').to.equal(true);
  });

  it('a right-to-left override in a chat name or message stays inside it: the time follows the name, the text is isolated', async () => {
    const { el, emitChat } = await joinedAlone('Ada');
    shadow(el).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!.click();
    await el.updateComplete;
    emitChat({ from: 'peer-x', name: `Mal${RLO}lory`, text: `I will pay ${RLO}0001$ today`, at: Date.now() });
    emitChat({ from: 'peer-y', name: 'Trent', text: 'ok', at: Date.now() });
    await el.updateComplete;
    const [first, second] = shadow(el).querySelectorAll('[part="chat"] .messages li');
    const who = first.querySelector('.who')!;
    expect(first.querySelector('time')!.getBoundingClientRect().left, 'the time starts after the name ends').to.be.at.least(
      boxOf(who, `Mal${RLO}lory`).right - 1,
    );
    expect(isolated(who), 'the name is isolated').to.equal(true);
    const text = first.querySelector('.text')!;
    expect(isolated(text), 'the message is isolated').to.equal(true);
    expect(text.getAttribute('dir')).to.equal('auto');
    // The next message is untouched: its name is where a name goes.
    const trent = boxOf(second.querySelector('.who')!, 'Trent');
    expect(trent.left).to.be.below(second.querySelector('time')!.getBoundingClientRect().left);
  });

  it('control characters in chat text and names are not shown; newlines and tabs in chat text are kept', async () => {
    const { el, emitChat } = await joinedAlone('Ada');
    emitChat({
      from: 'peer-x',
      name: 'Mal\u0007lo\u009Bry\u0000',
      text: 'line one\u0000\u0008\nline\ttwo\u001B[31m red\u007F\u0085\u009C end',
      at: Date.now(),
    });
    // Closed chat: the screen reader's announcement is cleaned and isolated too.
    await el.updateComplete;
    const live = shadow(el).querySelector('[aria-live="polite"][role="status"]')!;
    await waitUntil(() => live.textContent!.includes('Mallory'), `not announced: ${JSON.stringify(live.textContent)}`);
    expect(live.textContent).to.not.match(CONTROLS);
    expect(live.querySelectorAll('p bdi').length, 'name and text isolated in the announcement').to.equal(2);
    shadow(el).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!.click();
    await el.updateComplete;
    const li = shadow(el).querySelector('[part="chat"] .messages li')!;
    expect(li.querySelector('.who')!.textContent).to.equal('Mallory');
    expect(li.querySelector('.text')!.textContent).to.equal('line one\nline\ttwo[31m red end');
    expect(li.textContent).to.not.match(CONTROLS);
  });

  it("a remote participant's name with an override and control characters: cleaned and isolated on their tile", async () => {
    const room = uniqueRoom('text');
    const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]' });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ room, transport: 'local', autojoin: true, name: `Mal${RLO}lory\u0007\u009B`, 'ice-servers': '[]' });
    const { detail } = await eventWithin<{ peerId: string }>(a, 'vc-peer-joined');
    await b.updateComplete;
    await waitUntil(
      async () => (await a.updateComplete, shadow(a).querySelector(`figure[data-peer-id="${detail.peerId}"] .name`)),
      'no tile',
    );
    const label = shadow(a).querySelector(`figure[data-peer-id="${detail.peerId}"] .name`)!;
    expect(label.textContent).to.equal(`Mal${RLO}lory`);
    expect(isolated(label), 'the name is isolated').to.equal(true);
  });
});
