// Languages (issue 15): every table has exactly the English ids and placeholders; `lang` is
// resolved from the element, an ancestor (across shadow roots) or the browser; Arabic and Hebrew
// lay out right to left; `strings` wins; plurals and times follow the language; and nothing is
// clipped at 360 px in German (the longest), Arabic and Japanese.
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { en as enUi, LANGUAGES, match, setCurrent, t, table, time, type Plural, type Translation } from '../../src/i18n/i18n.js';
import { enDevices, enErrors, enExtras } from '../../src/i18n/en.js';
import type { Strings } from '../../src/index.js';

const en = { ...enUi, ...enExtras, ...enErrors, ...enDevices };
/** Renders from now on in `lang` with its table (as an element does at the start of its render). */
const speak = (lang: string, strings: Partial<Translation>) => setCurrent({ lang, table: strings, overrides: {} });
import { addCall, eventWithin, removeAllCalls, uniqueRoom, waitUntil } from './helpers.js';

const shadow = (el: VideoCall) => el.shadowRoot!;
const joinText = (el: VideoCall) => shadow(el).querySelector('[part="join-button"]')?.textContent?.trim();
const placeholders = (v: string | Plural) =>
  new Set((typeof v === 'string' ? [v] : Object.values(v)).flatMap((s) => [...s!.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

/** Adds an element, waits for its language's strings to render. */
async function call(attrs: Record<string, string | boolean>, parent?: ParentNode): Promise<VideoCall> {
  const el = addCall(attrs);
  if (parent) parent.append(el);
  await el.updateComplete;
  return el;
}

/**
 * Every element in the shadow root that shows text (its own text nodes, a button, a label) and
 * whose text is cut off: wider than its box (for an inline element, its block container's box).
 */
function clipped(el: VideoCall): string[] {
  const out: string[] = [];
  for (const node of shadow(el).querySelectorAll<HTMLElement>('*')) {
    if (node.closest('.visually-hidden') || node.closest('svg')) continue;
    const ownText = [...node.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim());
    if (!ownText && !(node instanceof HTMLButtonElement && node.textContent!.trim())) continue;
    let box: HTMLElement | null = node;
    while (box && getComputedStyle(box).display === 'inline') box = box.parentElement;
    if (!box || box.clientWidth === 0) continue;
    if (box.scrollWidth > box.clientWidth + 1)
      out.push(
        `${box.tagName.toLowerCase()}.${box.className}: "${box.textContent!.trim().slice(0, 60)}" ${box.scrollWidth} > ${box.clientWidth}`,
      );
    const r = box.getBoundingClientRect();
    const host = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < host.left - 1 || r.right > host.right + 1))
      out.push(`${box.tagName.toLowerCase()}.${box.className} outside the element: ${r.left}..${r.right}`);
  }
  return out;
}

describe('<video-call> languages', () => {
  afterEach(removeAllCalls);

  describe('string tables', () => {
    for (const lang of LANGUAGES) {
      it(`${lang}: exactly the English ids, with their placeholders and plural forms`, async () => {
        const strings = await table(lang);
        expect(Object.keys(strings).sort(), `ids of ${lang}`).to.deep.equal(Object.keys(en).sort());
        for (const [id, english] of Object.entries(en)) {
          const v = (strings as Record<string, string | Plural>)[id];
          // Plural forms where English has them; where English needs none ('{count} unread'), a language may.
          if (typeof english === 'object' || !placeholders(english).has('count'))
            expect(typeof v, `${lang}.${id}: a string where English has one, plural forms where English has them`).to.equal(typeof english);
          if (typeof v === 'object') {
            expect(v, `${lang}.${id} has an "other" form`).to.have.property('other');
            const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
            for (const k of Object.keys(v)) expect(categories, `${lang}.${id}: "${k}" is a plural category of ${lang}`).to.include(k);
            for (const k of categories)
              if (k !== 'many' || lang !== 'fr') expect(v[k as keyof Plural] ?? v.other, `${lang}.${id}.${k}`).to.be.a('string');
          }
          const mine = placeholders(v);
          for (const p of placeholders(english)) {
            // Plural forms for one, two (and Arabic's zero) may say the number in words.
            if (p === 'count' && typeof v === 'object') continue;
            expect([...mine], `${lang}.${id} keeps {${p}}`).to.include(p);
          }
          for (const p of mine) expect([...placeholders(english)], `${lang}.${id}: no placeholder {${p}} that English lacks`).to.include(p);
          if (typeof v === 'object' && placeholders(english).has('count'))
            expect(v.other, `${lang}.${id}.other says the number`).to.contain('{count}');
        }
      });
    }
  });

  describe('which language', () => {
    let languages: PropertyDescriptor | undefined;
    let htmlLang: string | null;
    beforeEach(() => {
      htmlLang = document.documentElement.getAttribute('lang');
      document.documentElement.removeAttribute('lang');
      languages = Object.getOwnPropertyDescriptor(navigator, 'languages');
    });
    afterEach(() => {
      if (htmlLang !== null) document.documentElement.setAttribute('lang', htmlLang);
      if (languages) Object.defineProperty(navigator, 'languages', languages);
      else delete (navigator as unknown as Record<string, unknown>).languages;
    });
    const browserSays = (...langs: string[]) => Object.defineProperty(navigator, 'languages', { get: () => langs, configurable: true });

    it('its own lang attribute', async () => {
      expect(joinText(await call({ lang: 'de' }))).to.equal('Beitreten');
      expect(joinText(await call({ lang: 'fr' }))).to.equal('Rejoindre');
    });

    it('the nearest ancestor with lang, across a shadow root', async () => {
      const div = document.createElement('div');
      div.lang = 'es';
      document.body.append(div);
      const el = await call({}, div);
      expect(joinText(el)).to.equal('Unirse');

      const outer = document.createElement('section');
      outer.lang = 'it';
      document.body.append(outer);
      const inner = document.createElement('div').attachShadow({ mode: 'open' });
      outer.append(inner.host);
      const deep = await call({}, inner);
      expect(joinText(deep)).to.equal('Partecipa');
      div.remove();
      outer.remove();
    });

    it("the browser's languages, first one shipped (pt-BR → pt)", async () => {
      browserSays('xx-YY', 'pt-BR', 'de');
      expect(joinText(await call({}))).to.equal('Participar');
    });

    it('regional tags fall back to the language; unknown languages to English', async () => {
      expect(match('pt-BR')).to.equal('pt');
      expect(match('zh-TW')).to.equal('zh');
      expect(match('en-GB')).to.equal('en');
      expect(match('xx')).to.equal(undefined);
      expect(joinText(await call({ lang: 'zh-TW' }))).to.equal('加入');
      browserSays('de');
      expect(joinText(await call({ lang: 'tlh' })), 'a language it lacks is English, not the browser’s').to.equal('Join');
      browserSays('xx');
      expect(joinText(await call({}))).to.equal('Join');
    });

    it('changing lang at run time re-renders in the new language', async () => {
      browserSays('en-US');
      const el = await call({ lang: 'de' });
      expect(joinText(el)).to.equal('Beitreten');
      el.lang = 'ja';
      await el.updateComplete;
      expect(joinText(el)).to.equal('参加');
      expect(el.getAttribute('lang')).to.equal('ja');
      el.removeAttribute('lang');
      await el.updateComplete;
      expect(joinText(el)).to.equal('Join');
    });
  });

  it('strings: typed by id (an unknown id is a compile error: npm run typecheck checks this file)', () => {
    const ok: Strings = { join: 'Enter', unread: { one: '{count} new', other: '{count} new' }, 'error.room-full': 'Full.' };
    // @ts-expect-error: `joinn` is not a string id
    const typo: Strings = { joinn: 'Enter' };
    expect(Object.keys({ ...ok, ...typo })).to.include('join');
  });

  it('strings overrides win over the language, aria-labels and titles are translated too', async () => {
    const el = await call({ lang: 'de' });
    expect(shadow(el).querySelector('.preview-controls button')!.getAttribute('aria-label')).to.equal('Stummschalten');
    expect(shadow(el).querySelector('.preview-controls button')!.getAttribute('title')).to.be.oneOf([
      'Stummschalten',
      'Stummschaltung aufheben',
    ]);
    el.strings = { join: 'Los geht’s', readyToJoin: 'Hallo {x}' };
    await el.updateComplete;
    expect(joinText(el)).to.equal('Los geht’s');
    expect(shadow(el).querySelector('label[for="name"]')!.textContent).to.equal('Ihr Name');
  });

  it('plural forms follow the language (Russian 1, 2, 5, 21; Arabic; Japanese)', async () => {
    speak('ru', await table('ru'));
    const n = (count: number) => t('newMessages', { count, name: 'Ада', text: 'привет' });
    expect(n(1)).to.equal('1 новое сообщение. Последнее — Ада: привет');
    expect(n(2)).to.equal('2 новых сообщения. Последнее — Ада: привет');
    expect(n(5)).to.equal('5 новых сообщений. Последнее — Ада: привет');
    expect(n(21)).to.equal('21 новое сообщение. Последнее — Ада: привет');
    expect(t('participants', { count: 3 })).to.equal('3 участника в звонке');
    expect(t('participants', { count: 11 })).to.equal('11 участников в звонке');
    speak('ar', await table('ar'));
    expect(t('participants', { count: 2 })).to.equal('شخصان في المكالمة');
    expect(t('participants', { count: 3 })).to.equal('3 أشخاص في المكالمة');
    expect(t('participants', { count: 11 })).to.equal('11 شخصًا في المكالمة');
    speak('uk', await table('uk'));
    expect(t('participants', { count: 2 })).to.equal('2 учасники у дзвінку');
    expect(t('participants', { count: 5 })).to.equal('5 учасників у дзвінку');
    speak('ja', await table('ja'));
    expect(t('unread', { count: 1 })).to.equal('未読メッセージ 1 件');
    expect(t('unread', { count: 7 })).to.equal('未読メッセージ 7 件');
    speak('pl', await table('pl'));
    expect(t('unread', { count: 22 })).to.equal('22 nieprzeczytane wiadomości');
    expect(t('unread', { count: 25 })).to.equal('25 nieprzeczytanych wiadomości');
  });

  it('times are formatted in the language', async () => {
    const at = Date.UTC(2026, 0, 2, 15, 4);
    for (const lang of ['de', 'ar', 'ja', 'en']) {
      speak(lang, lang === 'en' ? enUi : await table(lang));
      expect(time(at)).to.equal(new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(at));
    }
  });

  it('errors: shown translated per code, vc-error stays English', async () => {
    const el = document.createElement('video-call');
    el.setAttribute('lang', 'de');
    el.setAttribute('transport', 'no-such-transport');
    el.setAttribute('room', uniqueRoom());
    const got = eventWithin<{ code: string; message: string }>(el, 'vc-error');
    document.body.append(el);
    const { detail } = await got;
    expect(detail.code).to.equal('bad-config');
    expect(detail.message).to.contain('Unknown transport');
    await el.updateComplete;
    const banner = el.shadowRoot!.querySelector('[part="error"]')!;
    expect(banner.textContent).to.contain('Dieser Anruf ist nicht richtig eingerichtet.');
    el.remove();
  });

  describe('right to left', () => {
    it('Arabic: dir=rtl, the layout mirrors, the send arrow flips, the mic icon does not', async () => {
      const el = await call({ lang: 'ar', room: uniqueRoom(), transport: 'local', autojoin: true, 'ice-servers': '[]' });
      await eventWithin(el, 'vc-joined');
      await el.updateComplete;
      const root = shadow(el).querySelector('.root')!;
      expect(root.getAttribute('dir')).to.equal('rtl');
      expect(root.getAttribute('lang')).to.equal('ar');
      const buttons = [...shadow(el).querySelectorAll<HTMLElement>('[part="controls"] button')];
      expect(buttons[0].getAttribute('aria-label')).to.equal('كتم الميكروفون');
      expect(buttons[0].getBoundingClientRect().left, 'the first control (mic) is on the right').to.be.greaterThan(
        buttons.at(-1)!.getBoundingClientRect().left,
      );
      expect(getComputedStyle(buttons[0].querySelector('svg')!).transform).to.equal('none');
      shadow(el).querySelector<HTMLButtonElement>('button[data-control="chat"]')!.click();
      await el.updateComplete;
      expect(getComputedStyle(shadow(el).querySelector('.send svg')!).transform).to.equal('matrix(-1, 0, 0, 1, 0, 0)');
      const caption = shadow(el).querySelector<HTMLElement>('.tile figcaption')!;
      const tile = caption.closest('figure')!.getBoundingClientRect();
      expect(tile.right - caption.getBoundingClientRect().right, 'the name sits at the right of the tile').to.be.lessThan(12);
    });

    it('Hebrew: dir=rtl; German: dir=ltr', async () => {
      expect(
        shadow(await call({ lang: 'he' }))
          .querySelector('.root')!
          .getAttribute('dir'),
      ).to.equal('rtl');
      expect(
        shadow(await call({ lang: 'de' }))
          .querySelector('.root')!
          .getAttribute('dir'),
      ).to.equal('ltr');
    });
  });

  describe('nothing is clipped at 360 px', () => {
    for (const lang of ['de', 'ar', 'ja', 'ru']) {
      it(`${lang}: the pre-join screen, and a call with the controls and the chat open`, async () => {
        const el = await call({ lang, room: uniqueRoom(), transport: 'local', 'ice-servers': '[]', name: 'Ada' });
        el.style.cssText = 'display:flex; width:360px; height:640px; --vc-min-height:0';
        await el.updateComplete;
        await waitUntil(() => !!joinText(el), 'no pre-join screen');
        expect(clipped(el), 'pre-join screen').to.deep.equal([]);
        el.join();
        await eventWithin(el, 'vc-joined');
        await el.updateComplete;
        expect(shadow(el).querySelector('.hint')!.textContent!.trim()).to.not.equal('');
        expect(clipped(el), 'in the call').to.deep.equal([]);
        shadow(el).querySelector<HTMLButtonElement>('button[data-control="chat"]')!.click();
        await el.updateComplete;
        el.sendChat('Hallo');
        await waitUntil(() => !!shadow(el).querySelector('.messages time'), 'no message');
        await el.updateComplete;
        expect(clipped(el), 'chat open').to.deep.equal([]);
      });
    }

    it('(the check itself finds a clipped button)', async () => {
      const el = await call({ lang: 'de' });
      el.style.cssText = 'display:flex; width:360px; height:640px; --vc-min-height:0';
      el.strings = { join: 'Konferenzteilnahmebestätigungsschaltfläche'.repeat(2) };
      await el.updateComplete;
      expect(clipped(el).join('\n')).to.contain('button');
    });
  });
});
