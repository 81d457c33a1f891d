/**
 * Where a report renderer writes its text, piece by piece: a file, in chunks, so a 100k-test report never exists
 * whole as one string (callers that want the text itself join the renderer's pieces).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface TextSink {
  write(text: string): void;
}

/** The text a renderer writes to its sink, as one string (for callers that want the text itself). */
export function renderedText(render: (sink: TextSink) => void): string {
  const pieces: string[] = [];
  render({ write: (text) => void pieces.push(text) });
  return pieces.join('');
}

/**
 * Synchronous writes of ~64 KiB chunks to a file descriptor. Measured against a `fs.WriteStream` with backpressure
 * on the 100k-test report: as fast or faster, and the callers stay synchronous. Pieces are concatenated (V8 keeps a
 * rope, flattened once per chunk), so memory holds one chunk at a time.
 */
const CHUNK = 64 * 1024;

class FileSink implements TextSink {
  private pending = '';
  constructor(private readonly fd: number) {}
  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= CHUNK) this.flush();
  }
  flush(): void {
    if (!this.pending) return;
    writeSync(this.fd, this.pending);
    this.pending = '';
  }
}

/**
 * Renders into `path` through a sink. The text goes to a temporary file beside it that replaces `path` only when
 * rendering finished, so a reader never sees half a report (a failure leaves the earlier file, or none).
 */
export function writeRendered(path: string, render: (sink: TextSink) => void): void {
  const temp = `${path}.${process.pid}.partial`;
  const fd = openSync(temp, 'w');
  let ok = false;
  try {
    const sink = new FileSink(fd);
    render(sink);
    sink.flush();
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) rmSync(temp, { force: true });
  }
  renameSync(temp, path);
}
