/** A report folder that cannot be made is the user's to fix: one line naming the input and the reason, not an internal error. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReportFiles } from '../../src/report/write-report-files.ts';
import { UserError } from '../../src/store/store.ts';
import { makeReportData } from './report-fixture.ts';

test('a report-dir under a file is a user error naming the input, the folder and the reason', (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'ff-report-dir-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  const dir = join(file, 'reports');
  assert.throws(
    () => writeReportFiles(makeReportData(), dir),
    (err: unknown) => err instanceof UserError && err.message === `Input 'report-dir' ${dir}: the reports cannot be written (ENOTDIR); give a folder that can be created and written`,
  );
});
