/**
 * The database of a run that neither reads nor writes one: `save: false`, no database file yet, no
 * history artifact to fetch and nothing to upload. It answers as a fresh sql.js file would (no runs),
 * without loading sql.js's WebAssembly or creating a file the run would not keep.
 */
import type { Store } from './store.ts';

export function emptyStore(): Store {
  return {
    kind: 'sqlite',
    warnings: [],
    loadHistory: async () => [],
    loadRunsForCommit: async () => [],
    loadHistoryRuns: async () => [],
    flakyTracebacks: async () => [],
    save: async () => {
      throw new Error('emptyStore: a run with save: false saves nothing');
    },
    hasRun: async () => false,
    flakiestTests: async () => [],
    close: async () => {},
  };
}
