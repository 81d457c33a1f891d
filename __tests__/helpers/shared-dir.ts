/**
 * The fixtures and parity vectors that came from outside the project (the reference plugin's runs, dorny's JUnit
 * files), copied into the repository with their origin and licence, so that a plain clone runs the suite.
 * The folder is fixed: no environment variable can point tests outside the repository
 * (extra parity vectors come through FLAKEFIGHTERS_PARITY_DIR, read in addition to these).
 */
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../fixtures/shared', import.meta.url));
