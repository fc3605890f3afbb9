// custom-elements.json: `npm run analyze` (cem analyze --litelement). Committed, and checked
// against a fresh run by test/node/manifest.test.ts. The element's documentation lives in the
// JSDoc of src/components/video-call/video-call.component.ts.

/**
 * Keeps the manifest to the public API: only custom elements (the parts, controllers, helpers
 * and styles beside the element are internal), no private members (`#x`, `@state() _x`), and
 * no nameless event the analyzer may read from a generic `dispatchEvent(new CustomEvent(type…))`
 * (the element fires its events through the typed `emit()` of events.ts; the real events are
 * declared with `@event` on the class).
 */
const publicApiOnly = {
  name: 'video-call-public-api-only',
  packageLinkPhase({ customElementsManifest }) {
    customElementsManifest.modules = customElementsManifest.modules.filter((mod) => {
      mod.declarations = (mod.declarations ?? []).filter((d) => d.customElement);
      const names = new Set(mod.declarations.map((d) => d.name));
      mod.exports = (mod.exports ?? []).filter((e) => names.has(e.declaration?.name) || e.kind === 'custom-element-definition');
      return mod.declarations.length > 0;
    });
    for (const mod of customElementsManifest.modules) {
      for (const decl of mod.declarations) {
        if (decl.members) decl.members = decl.members.filter((m) => m.privacy !== 'private' && !m.name.startsWith('#'));
        if (decl.events) decl.events = decl.events.filter((e) => e.name && e.name !== 'type' && e.description);
      }
    }
  },
};

export default {
  globs: ['src/components/**/*.ts'],
  exclude: ['**/*.test.ts', '**/*.stories.ts'],
  litelement: true,
  dependencies: false,
  packagejson: false,
  plugins: [publicApiOnly],
};
