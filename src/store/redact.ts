/**
 * Keeps database credentials out of everything we print or write. `core.setSecret` only masks the
 * runner's log; our own summary, report files and error messages need our own list, so every error
 * text on the Postgres path goes through `redact` before it is thrown or printed.
 */
import * as core from '@actions/core';

const secrets = new Set<string>();
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
  if (!runnerMasking) return;
  // add-mask is line based: a multi-line value is registered line by line.
  for (const line of secret.split(/\r?\n/)) if (line.length >= MIN_SECRET_LENGTH) core.setSecret(line);
}

/** The whole URL, the password (raw, decoded, encoded) and user:password are secrets. */
export function registerSecretsFromUrl(url: string): void {
  registerSecret(url);
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(url);
  if (!m) return;
  const userinfo = m[1];
  const colon = userinfo.indexOf(':');
  if (colon < 0) return;
  const rawPass = userinfo.slice(colon + 1);
  const pass = safeDecode(rawPass);
  registerSecret(userinfo);
  registerSecret(safeDecode(userinfo));
  registerSecret(rawPass);
  registerSecret(pass);
  registerSecret(encodeURIComponent(pass));
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/** Replaces every registered secret, and any `scheme://user:password@` password, with `***`. */
export function redact(text: string): string {
  let out = text;
  // Longest first, so a URL is masked whole before its password is.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out.replace(URL_PASSWORD, '$1***@');
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}
