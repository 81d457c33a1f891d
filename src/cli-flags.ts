/**
 * The engine words its messages for the action's inputs ("Input 'fail-on' is …", "fix the flakefighters input",
 * "set if-no-files-found to …");
 * a CLI user typed flags. The CLI takes every input as a flag of the same name but two, so its messages name the
 * flag instead.
 */
import { INPUT_DEFAULTS } from './config/inputs.ts';
import type { Log } from './log.ts';

const RENAMED: Record<string, string> = { 'test-results': 'results', 'database-path': 'database' };

export const flagOf = (input: string): string => `--${RENAMED[input] ?? input}`;

const inputs = Object.keys(INPUT_DEFAULTS);
// One-word inputs (root, save, coverage, summary …) are also plain English words: only their quoted or prefixed forms are swapped.
const hyphenated = inputs.filter((n) => n.includes('-')).sort((a, b) => b.length - a.length);
const HYPHENATED = new RegExp(`(?<![\\w./-])(${hyphenated.join('|')})(?![\\w/-]|\\.\\w)`, 'g');
const QUOTED = /\bInput '([a-z-]+)'|\bthe `([a-z-]+)` input\b|\bthe ([a-z]+(?:-[a-z]+)*) input\b/g;
const PREFIX = /^([a-z]+(?:-[a-z]+)*): /;

/** The message with the action's input names replaced by the CLI's flags. */
export function inFlagTerms(message: string): string {
  return message
    .replace(/\bthe database-url secret\b/g, 'the database URL')
    .replace(QUOTED, (m, ...names: (string | undefined)[]) => {
      const name = names.slice(0, 3).find((n) => n !== undefined)!;
      return name in INPUT_DEFAULTS ? flagOf(name) : m;
    })
    .replace(PREFIX, (m, name: string) => (name in INPUT_DEFAULTS ? `${flagOf(name)}: ` : m))
    .replace(HYPHENATED, (name: string) => flagOf(name));
}

/** --help or -h anywhere among a command's arguments asks for its help, whatever else is there. */
export const wantsHelp = (args: string[]): boolean => args.some((a) => a === '--help' || a === '-h');

/** A log whose messages name flags. */
export function inFlagTermsLog(log: Log): Log {
  return {
    info: (m) => log.info(inFlagTerms(m)),
    notice: (m) => (log.notice ?? log.info)(inFlagTerms(m)),
    warning: (m, p) => log.warning(inFlagTerms(m), p),
    error: (m, p) => log.error(inFlagTerms(m), p),
    debug: (m) => log.debug(m),
  };
}
