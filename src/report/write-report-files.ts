/** Writes the report files of one run into a directory: the action, `classify` and `report` share it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sfflCsv } from '../flakefighters/sffl.ts';
import { sharingFacts } from './facts.ts';
import { renderHtmlReport } from './html-report.ts';
import { writeJsonReport } from './json-report.ts';
import { writeEnrichedJunit } from './junit-report.ts';
import { writeRendered } from './text-sink.ts';
import type { ReportData } from './report-data.ts';
import { UserError } from '../store/store.ts';

export interface ReportFiles {
  json: string;
  html: string;
  junit: string;
  sffl: string | null;
}

/** The files written, as one line for a terminal: `Reports: html, json, junit[, sffl]`. */
export const reportFilesLine = (files: ReportFiles): string => `Reports: ${[files.html, files.json, files.junit, files.sffl].filter(Boolean).join(', ')}`;

/** `renderHtml` replaces the plain HTML report, e.g. with `report --evaluate`'s section, so the page is rendered once. */
export function writeReportFiles(data: ReportData, dir: string, renderHtml: (data: ReportData) => string = renderHtmlReport): ReportFiles {
  try {
    return sharingFacts(data, () => writeAll(data, dir, renderHtml));
  } catch (err) {
    // A folder that cannot be made or written (a file in the way, no permission, a full disk) is the user's to fix.
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') throw err;
    throw new UserError(`Input 'report-dir' ${dir}: the reports cannot be written (${e.code}); give a folder that can be created and written`);
  }
}

function writeAll(data: ReportData, dir: string, renderHtml: (data: ReportData) => string): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const files: ReportFiles = {
    json: join(dir, 'flakefighters.json'),
    html: join(dir, 'flakefighters.html'),
    junit: join(dir, 'junit-flakefighters.xml'),
    sffl: null,
  };
  // The JSON and JUnit reports of a 100k-test run are tens of MB: streamed to their files, never whole strings.
  writeRendered(files.json, (sink) => writeJsonReport(data, sink));
  writeFileSync(files.html, renderHtml(data));
  writeRendered(files.junit, (sink) => writeEnrichedJunit(data, sink));
  if (data.sffl && data.sffl.rows.length > 0) {
    files.sffl = join(dir, 'sffl.csv');
    writeFileSync(files.sffl, sfflCsv(data.sffl.rows));
  }
  return files;
}
