/**
 * Tells the action's own report files from test results: everything under `report-dir`, and any file carrying the
 * marker the action writes (src/generated-marker.ts), wherever it was copied to. Read back as results, the enriched
 * JUnit would invent failures and flips from the previous step's verdicts.
 */
import { open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { carriesGeneratedMarker, REPORT_FILE_NAMES } from '../generated-marker.ts';
import { isInside } from '../path-inside.ts';

/** The markers sit in the first few hundred bytes of the files the action writes. */
const HEAD_BYTES = 4096;

export type OwnFileReason = 'report-dir' | 'marker';

/**
 * A test for resolved (real) paths. When `report-dir` is the workspace itself or a folder above it, "everything under
 * it" would be every result: then only the report files it names are left out (and marked files anywhere).
 */
export async function ownFileTest(reportDir: string | undefined, realWorkspace: string): Promise<(real: string) => Promise<OwnFileReason | null>> {
  const dir = reportDir ? await realpath(reportDir).catch(() => resolve(reportDir)) : null;
  const wholeWorkspace = dir !== null && isInside(dir, realWorkspace);
  return async (real) => {
    if (dir !== null) {
      if (wholeWorkspace ? dirname(real) === dir && REPORT_FILE_NAMES.includes(basename(real)) : isInside(dir, real)) return 'report-dir';
    }
    return (await headCarriesMarker(real)) ? 'marker' : null;
  };
}

async function headCarriesMarker(path: string): Promise<boolean> {
  try {
    // Never open a pipe or device (it could block): the reader refuses those with its own line.
    const st = await stat(path);
    if (!st.isFile() || st.size === 0) return false;
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return carriesGeneratedMarker(buf.subarray(0, bytesRead).toString('latin1'));
    } finally {
      await fh.close();
    }
  } catch {
    // Unreadable here means unreadable for the reader too, which says so for that file.
    return false;
  }
}
