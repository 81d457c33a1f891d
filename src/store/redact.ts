/**
 * Keeps database credentials out of everything we print or write. `core.setSecret` only masks the
 * runner's log; our own summary, report files and error messages need our own list, so every error
 * text on the Postgres path goes through `redact` before it is thrown or printed.
 */
import * as core from '@actions/core';

const secrets = new Set<string>();
/** The secrets longest first, kept between registrations: redact runs on every write to stdout and stderr. */
let longestFirst: string[] | null = null;
/** The runner masks what `::add-mask::` names; a terminal would just print the command, secret and all. */
let runnerMasking = true;

/** The CLI turns this off: outside the runner, `core.setSecret` would echo the secret to stdout. */
export function setRunnerMasking(enabled: boolean): void {
  runnerMasking = enabled;
}

/** Shorter strings would mask ordinary text; connection URLs are also masked by pattern below. */
const MIN_SECRET_LENGTH = 3;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Registers a secret with the runner (masked in logs) and with our own list. */
export function registerSecret(secret: string | null | undefined): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
  secrets.add(secret);
  longestFirst = null;
  if (!runnerMasking) return;
  // add-mask is line based: a multi-line value is registered line by line.
  for (const line of secret.split(/\r?\n/)) if (line.length >= MIN_SECRET_LENGTH) core.setSecret(line);
}

/** A value in every spelling it may be printed in: raw, percent-decoded and percent-encoded. */
function registerSpellings(raw: string): void {
  const decoded = safeDecode(raw);
  registerSecret(raw);
  registerSecret(decoded);
  registerSecret(encodeURIComponent(decoded));
}

/**
 * Query parameters that carry credentials (libpq's `user`, `password`, `sslpassword`, and anything
 * named like a key or token): their values are secrets like the password in the userinfo.
 */
const CREDENTIAL_PARAM = /^(user|password|sslpassword|passfile|sslkey)$|pass|secret|token|key|cred|auth/i;

/**
 * The whole URL, the user name, the password and user:password (each raw, decoded and encoded),
 * and the values of credential query parameters are secrets. The user name too: a login that fails
 * is reported by the server as "password authentication failed for user …", and a user name is
 * half of a credential.
 */
export function registerSecretsFromUrl(url: string): void {
  registerSecret(url);
  const query = /\?([^#]*)/.exec(url.replace(/^[^?]*?:\/\/[^@/?#]*@/, ''));
  if (query) {
    for (const part of query[1].split('&')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const key = safeDecode(part.slice(0, eq).replace(/\+/g, ' '));
      if (CREDENTIAL_PARAM.test(key)) registerSpellings(part.slice(eq + 1).replace(/\+/g, ' '));
    }
  }
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url);
  if (!m) return;
  const userinfo = m[1];
  const colon = userinfo.indexOf(':');
  registerSpellings(colon < 0 ? userinfo : userinfo.slice(0, colon));
  if (colon < 0) return;
  registerSecret(userinfo);
  registerSecret(safeDecode(userinfo));
  registerSpellings(userinfo.slice(colon + 1));
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/** Replaces every registered secret, and any `scheme://user:password@` password, with `***`. */
export function redact(text: string): string {
  let out = text;
  // Longest first, so a URL is masked whole before its password is.
  longestFirst ??= [...secrets].sort((a, b) => b.length - a.length);
  for (const s of longestFirst) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out.replace(URL_PASSWORD, '$1***@');
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
  longestFirst = null;
}

/**
 * Libraries we call (the artifact client logs service error bodies with `core.debug`) write to the
 * process's streams themselves; the runner masks registered secrets there, but a log copied or read
 * elsewhere would not be. Filtering the streams keeps every byte we emit free of them. The
 * `::add-mask::` commands themselves pass: they are how the runner learns the secrets.
 */
export function redactProcessOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (secrets.size === 0) return original(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : null;
      if (text === null || text.startsWith('::add-mask::')) return original(chunk, ...rest);
      return original(redact(text), ...rest.filter((r) => typeof r === 'function'));
    }) as typeof stream.write;
  }
}
