/**
 * One line on a terminal's stderr while long work runs ("classifying… 4s"), redrawn in place and erased when the
 * work ends or another line is printed. Only on a terminal: in a pipe or a CI log it would be noise.
 */
import type { Log } from '../log.ts';

export interface Progress {
  /** Erases the line (before something else is printed); the next tick draws it again. */
  clear(): void;
  stop(): void;
}

/** No line at all (--quiet, or not a terminal). */
export const NO_PROGRESS: Progress = { clear() {}, stop() {} };

export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr, opts = { delayMs: 1000, everyMs: 250 }): Progress {
  if (!stream.isTTY) return NO_PROGRESS;
  const started = Date.now();
  let shown = false;
  const draw = () => {
    stream.write(`\r\x1b[K${label}… ${Math.round((Date.now() - started) / 1000)}s`);
    shown = true;
  };
  let timer: NodeJS.Timeout | undefined;
  // Short work shows nothing: the line appears only after delayMs.
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, opts.everyMs);
    timer.unref();
  }, opts.delayMs);
  delay.unref();
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    clear,
    stop() {
      clearTimeout(delay);
      if (timer) clearInterval(timer);
      clear();
    },
  };
}

/** A log that erases the progress line before each message, so the two never share a line. */
export function withProgress(log: Log, progress: Progress): Log {
  const first = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
    progress.clear();
    f(...a);
  };
  return {
    info: first(log.info),
    notice: log.notice && first(log.notice),
    warning: first(log.warning),
    error: first(log.error),
    debug: first(log.debug),
  };
}

/** `[#####.....] done/total`, 30 wide, ending the line when the work is done: the tail of a bar redrawn in place. */
export function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`;
}
