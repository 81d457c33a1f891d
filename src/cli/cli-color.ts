/**
 * Colour only where a person reads it: on a terminal, unless NO_COLOR asks for none (https://no-color.org);
 * FORCE_COLOR turns it on anywhere (a CI log that renders ANSI) and, as in node itself, wins over NO_COLOR.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return !!stream.isTTY && env.TERM !== 'dumb';
}
