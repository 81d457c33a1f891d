#!/usr/bin/env node
// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild, and copies sql.js's
// wasm beside them. esbuild over ncc/rollup: one fast, deterministic step that bundles the ESM-only
// @actions/* packages and TypeScript without a separate tsc pass (type checking is `npm run lint`).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * @actions/core imports its OIDC client, and with it @actions/http-client and undici (half the start-up
 * bundle), at load time, though only getIDToken() uses it and we never call it. This plugin hands
 * @actions/core a stand-in that loads the real client (a chunk of its own) on first use: same API.
 */
const lazyOidc = {
  name: 'lazy-actions-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      /[\\/]@actions[\\/]core[\\/]/.test(args.importer)
        ? { path: args.importer.replace(/[^\\/]+$/, 'oidc-utils.js'), namespace: 'lazy-oidc' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-oidc' }, (args) => ({
      contents: `export class OidcClient { static async getIDToken(audience) { const m = await import(${JSON.stringify(args.path)}); return m.OidcClient.getIDToken(audience); } }`,
      loader: 'js',
      resolveDir: args.path.replace(/[^\\/]+$/, ''),
    }));
  },
};
const root = new URL('..', import.meta.url).pathname;
// Built beside dist/ and swapped in at the end, so a test running the action meanwhile never finds it half written.
const out = `${root}dist.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const options = {
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  keepNames: false,
  legalComments: 'external',
  charset: 'utf8',
  logLevel: 'warning',
  plugins: [lazyOidc],
  // Some bundled CommonJS dependencies call require() for node built-ins.
  banner: {
    js:
      "import{createRequire as __ffCreateRequire}from'node:module';import{fileURLToPath as __ffUrl}from'node:url';import{dirname as __ffDir}from'node:path';" +
      'const require=__ffCreateRequire(import.meta.url);const __filename=__ffUrl(import.meta.url);const __dirname=__ffDir(__filename);',
  },
};
// The action: code behind a dynamic import() (artifact and REST clients, sql.js, Postgres, report renderers)
// goes to chunks loaded only by the runs that use it, so a run that uploads nothing compiles a fraction of it.
await build({ ...options, entryPoints: { index: `${root}src/main.ts` }, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// The CLI stays one self-contained file (`bin`, copied or linked on its own).
await build({ ...options, entryPoints: { cli: `${root}src/cli.ts` } });
// sql.js's loader looks for the wasm beside the file its code landed in (an entry or a chunk): put it there.
const wasmUsers = new Set();
for (const f of readdirSync(out, { recursive: true })) {
  if (String(f).endsWith('.js') && readFileSync(join(out, String(f)), 'utf8').includes('sql-wasm.wasm')) wasmUsers.add(dirname(join(out, String(f))));
}
if (wasmUsers.size === 0) throw new Error('build: no output file loads sql-wasm.wasm; where does sql.js look for it?');
for (const dir of wasmUsers) copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(dir, 'sql-wasm.wasm'));
rmSync(`${root}dist.old`, { recursive: true, force: true });
try {
  renameSync(`${root}dist`, `${root}dist.old`);
} catch {
  // no earlier build
}
renameSync(out, `${root}dist`);
rmSync(`${root}dist.old`, { recursive: true, force: true });
