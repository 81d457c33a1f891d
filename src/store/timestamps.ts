/**
 * The plugin's timestamp formats. SQLAlchemy stores SQLite DATETIME as text
 * `YYYY-MM-DD HH:MM:SS.ffffff`; run.start_time and execution times are naive LOCAL time
 * (Python's datetime.now() / fromtimestamp()), run.created_at is UTC without a fraction
 * (CURRENT_TIMESTAMP). We write the same and read those plus what Postgres prints
 * (fraction trimmed, `T` separator, `+00` offsets).
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS.ffffff` in the process's local zone, like Python's naive datetime.now(). */
export function formatLocalTimestamp(d: Date): string {
  // Saving a run formats two per execution: the `YYYY-MM-DD HH:MM:` of the last local minute is reused, the rest
  // computed (an offset of whole minutes keeps local minutes aligned with UTC ones; any other takes the fields).
  const offset = d.getTimezoneOffset();
  if (Number.isInteger(offset)) {
    const local = d.getTime() - offset * 60_000;
    const minute = Math.floor(local / 60_000);
    if (minute !== lastLocalMinute) {
      const iso = new Date(minute * 60_000).toISOString();
      if (iso.length === 24) {
        lastLocalMinute = minute;
        lastLocalPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 17)}`;
      }
    }
    const inMinute = local - minute * 60_000;
    const sec = Math.floor(inMinute / 1000);
    // getTimezoneOffset() rounds an offset with seconds (local mean time before 1900 or so) to whole minutes.
    if (minute === lastLocalMinute && sec === d.getSeconds()) {
      const milli = inMinute - sec * 1000;
      return `${lastLocalPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}000`;
    }
  }
  return localFields(d);
}

let lastLocalMinute = NaN;
let lastLocalPrefix = '';

function localFields(d: Date): string {
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
  );
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, like SQLite's CURRENT_TIMESTAMP. */
export function formatUtcTimestamp(d: Date): string {
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

const RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses a stored timestamp. Text without an offset is read in `naive` zone ('local' for
 * start/end times, 'utc' for created_at); a Date (from a driver) is returned as is. Fractions
 * beyond milliseconds are truncated, as `new Date()` does. Unparseable text gives null.
 */
export function parseTimestamp(v: string | Date | null | undefined, naive: 'local' | 'utc'): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  const m = RE.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', off] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let t: number;
  if (off) {
    t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
    if (off.toUpperCase() !== 'Z') {
      const sign = off[0] === '-' ? -1 : 1;
      const digits = off.slice(1).replace(':', '');
      const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
      t -= sign * offMin * 60_000;
    }
  } else if (naive === 'utc') {
    t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  } else {
    t = new Date(+y, +mo - 1, +d, +h, +mi, +s, ms).getTime();
  }
  return Number.isNaN(t) ? null : new Date(t);
}
