/**
 * Loads sql.js once per process. The wasm bytes are read by us and handed over as `wasmBinary`,
 * so sql.js never tries to fetch or locate files itself: next to the running bundle first (the
 * build copies sql-wasm.wasm into dist/), else from the installed package (tests, tsx, the CLI
 * run from source).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let cached: Promise<SqlJsStatic> | null = null;

async function wasmBytes(): Promise<Uint8Array> {
  const candidates: string[] = [];
  try {
    candidates.push(fileURLToPath(new URL('./sql-wasm.wasm', import.meta.url)));
  } catch {
    // import.meta.url is not a file: URL (unusual bundling); fall through to the package.
  }
  try {
    candidates.push(createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    // not installed next to us: only the bundled copy can work.
  }
  for (const p of candidates) {
    try {
      return new Uint8Array(await readFile(p));
    } catch {
      // try the next place
    }
  }
  throw new Error(`sql-wasm.wasm not found (looked in ${candidates.join(', ') || 'no location'}); rebuild the action so dist/ contains it`);
}

/**
 * sql.js's Node loader evaluates `__dirname`, which does not exist in an ESM bundle (it would throw
 * a ReferenceError). Its value is unused since we pass the wasm bytes, so defining it is enough;
 * a build banner that declares `__dirname` makes this a no-op.
 */
function provideDirname(): void {
  const g = globalThis as { __dirname?: string };
  if (typeof g.__dirname === 'undefined') {
    try {
      g.__dirname = dirname(fileURLToPath(import.meta.url));
    } catch {
      g.__dirname = '.';
    }
  }
}

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!cached) {
    provideDirname();
    cached = wasmBytes()
      .then((wasmBinary) => initSqlJs({ wasmBinary: wasmBinary as unknown as ArrayBuffer }))
      .catch((err) => {
        cached = null;
        throw err;
      });
  }
  return cached;
}
