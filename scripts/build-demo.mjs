// Builds the browser demo (demo/) into dist/demo: type-checks it against the DOM, bundles demo.ts with the SDK
// using esbuild (a well-kept, dependency-free bundler: one call, no config file), and copies the static files.
// Run by `npm run build` / `npm run build:ts`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'demo');
mkdirSync(out, { recursive: true });
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'demo', 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  console.error('build-demo: demo/ does not type-check (errors above)');
  process.exit(1);
}
await build({
  entryPoints: [path.join(root, 'demo', 'demo.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  // The SDK loads `ws` only where no WebSocket exists (Node): never in a browser.
  external: ['ws'],
  outfile: path.join(out, 'demo.js'),
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'demo.css']) copyFileSync(path.join(root, 'demo', file), path.join(out, file));
