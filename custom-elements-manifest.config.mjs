// custom-elements.json: `npm run analyze` (cem analyze --litelement). Committed, and checked
// against a fresh run by test/node/manifest.test.ts. The element's documentation lives in the
// JSDoc of src/components/video-call/video-call.component.ts.

/**
 * Keeps the manifest to the public API: drops private members (`#x`, `@state() _x`), and the
 * nameless event the analyzer reads from the element's generic `#emit(type, detail)` helper
 * (the real events are declared with `@event` on the class).
 */
const publicApiOnly = {
  name: 'video-call-public-api-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const mod of customElementsManifest.modules) {
      for (const decl of mod.declarations ?? []) {
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
