/**
 * How a file the action wrote says so, for the writers (src/report) and for ingest, which must never read the
 * action's own reports back as test results (a broad glob in a workspace that persists between steps).
 */

/** Suite property of the enriched JUnit: `<property name="flakefighters.generated-by" value="flakefighters-action" />`. */
export const GENERATED_BY_PROPERTY = 'flakefighters.generated-by';
export const GENERATOR = 'flakefighters-action';
/** The older marker of the enriched JUnit (each `<execution outcome>` is its own); files written before carry only it. */
export const PER_EXECUTION_PROPERTY = 'flakefighters.outcomes';

/** The report file names the action writes into `report-dir`. */
export const REPORT_FILE_NAMES = ['junit-flakefighters.xml', 'flakefighters.json', 'flakefighters.html', 'sffl.csv'];

/**
 * True when the start of a file (its first few KiB, as latin1 or UTF-8 text) is one the action wrote: the enriched
 * JUnit's suite properties, or the JSON report's `"generator"`. Both come in the first few hundred bytes.
 */
export function carriesGeneratedMarker(head: string): boolean {
  return (
    /<property\s+name\s*=\s*["']flakefighters\.(?:generated-by|outcomes)["']/.test(head) ||
    (/^\s*\{/.test(head) && /"generator"\s*:\s*"flakefighters-action"/.test(head))
  );
}
