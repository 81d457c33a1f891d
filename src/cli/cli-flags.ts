/**
 * The engine words its messages for the action's inputs ("Input 'fail-on' is …", "fix the flakefighters input",
 * "set if-no-files-found to …");
 * a CLI user typed flags. The CLI takes every input as a flag of the same name but two, so its messages name the
 * flag instead.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { INPUT_DEFAULTS } from '../config/inputs.ts';
import type { Log } from '../log.ts';
import { UserError } from '../store/store.ts';

const RENAMED: Record<string, string> = { 'test-results': 'results', 'database-path': 'database' };

const flagOf = (input: string): string => `--${RENAMED[input] ?? input}`;

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

/**
 * A subcommand's flags: null after printing its help (--help/-h anywhere), else the parsed values. A flag parseArgs
 * rejects is a user error naming the command, the first line of parseArgs' message and the usage line.
 */
export function parseCommandFlags(
  command: string,
  args: string[],
  options: ParseArgsOptionsConfig,
  usage: string,
  help: string,
): FlagValues | null {
  if (wantsHelp(args)) {
    process.stdout.write(`${help}\n`);
    return null;
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message.split('\n')[0]}; ${usage}`);
  }
}

type FlagValues = Record<string, string | boolean | undefined>;

/** The flag `--name` as a whole number >= min, undefined when not given, or a user error naming the command and flag. */
export function wholeNumberFlag(command: string, values: FlagValues, name: string, min: number): number | undefined {
  if (values[name] === undefined) return undefined;
  const value = String(values[name]);
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UserError(`${command}: --${name} ${value} is not a whole number >= ${min}`);
  return Number(value);
}

/** --database and its alias --database-url (the action's input name), for the subcommands that read a database. */
export const DATABASE_FLAGS = { database: { type: 'string' }, 'database-url': { type: 'string' } } as const satisfies ParseArgsOptionsConfig;

/** The database location the subcommand was given, or a user error naming the missing flag. */
export function databaseFlag(command: string, values: FlagValues, usage: string): string {
  const location = (values['database-url'] ?? values.database) as string | undefined;
  if (!location) throw new UserError(`${command}: --database is required; ${usage}`);
  return location;
}
