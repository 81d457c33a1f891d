/** Where the pipeline speaks: @actions/core in the action, the terminal in the CLI. */
export interface AnnotationProps {
  title?: string;
  file?: string;
  startLine?: number;
}

export interface Log {
  info(message: string): void;
  /** Worth seeing but not a problem (a `::notice::` in the action); optional, info when absent. */
  notice?(message: string): void;
  warning(message: string, props?: AnnotationProps): void;
  error(message: string, props?: AnnotationProps): void;
  debug(message: string): void;
}

/** A log for the CLI and the tests: plain lines on stderr, annotations folded into the text. */
export const consoleLog = (quiet = false): Log => ({
  info: (m) => {
    if (!quiet) process.stderr.write(`${m}\n`);
  },
  notice: (m) => {
    if (!quiet) process.stderr.write(`note: ${m}\n`);
  },
  warning: (m, p) => process.stderr.write(`warning: ${where(p)}${m}\n`),
  error: (m, p) => process.stderr.write(`error: ${where(p)}${m}\n`),
  debug: (m) => {
    if (process.env.FLAKEFIGHTERS_DEBUG) process.stderr.write(`debug: ${m}\n`);
  },
});

const where = (p?: AnnotationProps) => (p?.file ? `${p.file}${p.startLine ? `:${p.startLine}` : ''}: ` : '');
