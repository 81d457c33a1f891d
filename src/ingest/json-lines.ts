/**
 * The lines of a JSON-lines stream (go test -json, dart test's JSON reporter), read in place without splitting
 * the whole text into an array (these files run to hundreds of megabytes).
 */
export interface StreamLine {
  /** The line without its `\r`. */
  text: string;
  /** 1-based, counting blank lines. */
  lineNo: number;
  /** Nothing but white space follows: a line that does not parse here is a stream cut off mid-event. */
  last: boolean;
}

/** Every line that holds more than white space. */
export function* streamLines(text: string): Generator<StreamLine> {
  const contentEnd = text.trimEnd().length;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text.slice(pos, nl).replace(/\r$/, '');
    const last = nl >= contentEnd;
    pos = nl + 1;
    lineNo++;
    if (line.trim()) yield { text: line, lineNo, last };
  }
}
