// Type declarations for the npm package: tsc -p tsconfig.build.json → dist/types/{src,server}/...,
// plus dist/types/transports.d.ts for the "./transports" export, which is the registry at run time
// (dist/esm/transports/registry.js) and, for TypeScript, also the Transport interface and its types.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
writeFileSync(
  new URL('../dist/types/transports.d.ts', import.meta.url),
  `export * from './src/transports/registry.js';\nexport type * from './src/transports/transport.js';\n`,
);
console.log('built dist/types/');
