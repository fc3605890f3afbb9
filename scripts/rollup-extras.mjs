// The call's extras (src/call-extras.ts) in the build: `dist/video-call-extras.js`, an ES module
// with no Lit and no strings of its own. Its imports of Lit and of src/i18n/i18n.ts are one virtual
// module that reads what the script-tag bundle left for it (src/call/extras-loader.script.ts): its
// templates then render with the bundle's Lit, and `t()` speaks the element's language.
// The ESM build needs nothing: extras-loader.ts imports call-extras.js, a module like any other.
const KIT = '\0video-call-kit';

/** Lit and the i18n module, in the extras chunk, are the bundle's (see above). */
export const extrasKit = {
  name: 'video-call-kit',
  resolveId(source, importer) {
    if (source === 'lit' || source === 'lit/directives/repeat.js') return KIT;
    if (importer?.includes('/src/') && /\/i18n\/i18n\.js$/.test(source)) return KIT;
    return null;
  },
  load(id) {
    if (id !== KIT) return null;
    return `const k = globalThis[Symbol.for('video-call-kit ' + import.meta.url)];
export const { css, html, nothing, svg, repeat, en, parts, t } = k;`;
  },
};
