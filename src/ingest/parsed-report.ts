/** What every result-file reader is given and gives back (its own module: readers and junit.ts import it, not each other). */
import type { Test } from '../model.ts';
import type { SourceFiles } from './source-files.ts';

export interface ReportContext {
  /** The file's name in messages (relative to the workspace). */
  file: string;
  /** Absolute path of the file. */
  path: string;
  root: string;
  files: SourceFiles;
}

export interface ParsedReport {
  dialect: string;
  tests: Test[];
  warnings: string[];
}
