/**
 * The project's shared/ folder (fixtures, parity vectors) sits beside the repository checkout;
 * FLAKEFIGHTERS_SHARED_DIR overrides it. CI clones the repository elsewhere with a copy beside it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const beside = resolve(new URL('../../', import.meta.url).pathname, '../shared');
export const SHARED = process.env.FLAKEFIGHTERS_SHARED_DIR || (existsSync(beside) ? beside : '/work/shared');
