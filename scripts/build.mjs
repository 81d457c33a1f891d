#!/usr/bin/env node
// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild, and copies sql.js's
// wasm beside them. esbuild over ncc/rollup: one fast, deterministic step that bundles the ESM-only
// @actions/* packages and TypeScript without a separate tsc pass (type checking is `npm run lint`).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

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

/**
 * @actions/http-client imports undici (a 400 KB CommonJS package) at load time for its ProxyAgent,
 * and @actions/github for its fetch; the artifact upload and everything else that loads http-client
 * never call either. undici is built into a file of its own (undici.cjs beside the code that needs
 * it) and these importers get a stand-in that requires it on first use: same API, and a run that
 * never needs a proxy agent or Octokit's fetch never parses it.
 */
const lazyUndici = {
  name: 'lazy-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (/[\\/]@actions[\\/]/.test(args.importer) ? { path: 'undici', namespace: 'lazy-undici' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-undici' }, () => ({
      contents:
        "import { createRequire } from 'node:module';\n" +
        'let m;\n' +
        // The build copies undici.cjs beside every output that names it.
        "const load = () => (m ??= createRequire(import.meta.url)('./undici.cjs'));\n" +
        'export class ProxyAgent { constructor(...a) { return new (load().ProxyAgent)(...a); } }\n' +
        'export function fetch(...a) { return load().fetch(...a); }\n',
      loader: 'js',
    }));
  },
};

/**
 * Node's ESM face of node:http reads every export, and with them the lazy WebSocket, CloseEvent and
 * MessageEvent getters, which load Node's own undici: 35 ms before the first request. The ESM
 * packages of the upload path (http-client, the Azure pipeline) get node:http through require(),
 * with its plain (non-getter) exports by name: the same module object, without the getters' cost.
 */
const httpWithoutGetters = {
  name: 'http-without-getters',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) => (args.kind === 'import-statement' ? { path: 'http', namespace: 'http-without-getters' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'http-without-getters' }, () => {
      const names = Object.entries(Object.getOwnPropertyDescriptors(require('node:http')))
        .filter(([n, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default')
        .map(([n]) => n);
      return {
        contents: `const m = require('node:http');\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`,
        loader: 'js',
      };
    });
  },
};
/**
 * The Azure pipeline under the artifact upload asks `body instanceof FormData` of every request, and
 * Node's FormData global is a lazy getter that loads Node's own undici (10 ms) on first touch. The
 * check first looks for a FormData constructor in the body's prototype chain by name, then asks
 * instanceof as before: the same answer for every body, without touching the global for the
 * buffers and streams an upload sends. A dependency update that changes the line fails the build.
 */
const formDataWithoutGlobal = {
  name: 'form-data-without-global',
  setup(b) {
    b.onLoad({ filter: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]formData\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const check = 'typeof FormData !== "undefined" && body instanceof FormData';
      if (!text.includes(check)) throw new Error(`build: ${args.path} no longer has \`${check}\`; review form-data-without-global`);
      const named = '(function(){for(let p=body;p!==null&&(typeof p==="object"||typeof p==="function");p=Object.getPrototypeOf(p))if(p.constructor&&p.constructor.name==="FormData")return true;return false})()';
      return { contents: text.replace(check, `${named} && ${check}`), loader: 'js' };
    });
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
  plugins: [lazyOidc, httpWithoutGetters, formDataWithoutGlobal],
  // Some bundled CommonJS dependencies call require() for node built-ins.
  banner: {
    js:
      "import{createRequire as __ffCreateRequire}from'node:module';import{fileURLToPath as __ffUrl}from'node:url';import{dirname as __ffDir}from'node:path';" +
      'const require=__ffCreateRequire(import.meta.url);const __filename=__ffUrl(import.meta.url);const __dirname=__ffDir(__filename);',
  },
};
// The action: code behind a dynamic import() (artifact and REST clients, sql.js, Postgres, report renderers)
// goes to chunks loaded only by the runs that use it, so a run that uploads nothing compiles a fraction of it.
await build({ ...options, plugins: [...options.plugins, lazyUndici], entryPoints: { index: `${root}src/action/main.ts` }, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// The CLI stays one self-contained file (`bin`, copied or linked on its own): undici stays inside it.
await build({ ...options, entryPoints: { cli: `${root}src/cli/cli.ts` } });
// undici as a file of its own for the action (see lazyUndici), copied beside every output that loads it.
await build({ ...options, plugins: [], banner: {}, format: 'cjs', entryPoints: { undici: require.resolve('undici') }, outdir: `${out}/.undici` });
// Each output read once: the folders whose code names a file it loads from beside itself.
const outputs = readdirSync(out, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.js'))
  .map((f) => ({ dir: dirname(join(out, f)), text: readFileSync(join(out, f), 'utf8') }));
const foldersNaming = (file) => new Set(outputs.filter((o) => o.text.includes(file)).map((o) => o.dir));
for (const dir of foldersNaming('undici.cjs')) {
  copyFileSync(`${out}/.undici/undici.js`, join(dir, 'undici.cjs'));
  copyFileSync(`${out}/.undici/undici.js.LEGAL.txt`, join(dir, 'undici.cjs.LEGAL.txt'));
}
rmSync(`${out}/.undici`, { recursive: true, force: true });
// sql.js's loader looks for the wasm beside the file its code landed in (an entry or a chunk): put it there.
const wasmUsers = foldersNaming('sql-wasm.wasm');
if (wasmUsers.size === 0) throw new Error('build: no output file loads sql-wasm.wasm; where does sql.js look for it?');
for (const dir of wasmUsers) copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(dir, 'sql-wasm.wasm'));
// A new history file starts from an empty database made here, once, by the same code that would make it on each
// run (src/store/sqlite-empty.ts): beside every output that looks for it, named for a digest of the schema.
const emptyUsers = foldersNaming('flakefighters-empty-');
if (emptyUsers.size === 0) throw new Error('build: no output file names flakefighters-empty-; where does sqlite-empty.ts look for it?');
const gen = `${out}/.empty-db/gen.mjs`;
await build({ ...options, plugins: [], entryPoints: [`${root}src/store/sqlite-empty.ts`], outfile: gen, outdir: undefined });
// Its sql.js finds the wasm beside it, as the bundle's does.
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), `${out}/.empty-db/sql-wasm.wasm`);
const empty = await (await import(pathToFileURL(gen).href)).buildEmptyDatabase();
for (const dir of emptyUsers) writeFileSync(join(dir, empty.name), empty.bytes);
rmSync(`${out}/.empty-db`, { recursive: true, force: true });
rmSync(`${root}dist.old`, { recursive: true, force: true });
try {
  renameSync(`${root}dist`, `${root}dist.old`);
} catch {
  // no earlier build
}
renameSync(out, `${root}dist`);
rmSync(`${root}dist.old`, { recursive: true, force: true });
