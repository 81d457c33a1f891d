/**
 * What the test suite needs from the machine besides node_modules (README, "Try it on a fresh machine").
 * `requireSystem(part)` finds a part and returns its path, or fails the calling test (or hook) with one line naming
 * what to install: never a stack trace, never a crash when a test file loads. Call it inside a test or hook.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type SystemPart = 'postgres' | 'chromium' | 'coverage.py' | 'sqlalchemy2' | 'python3' | 'git' | 'script';

export class MissingSystemPart extends Error {
  constructor(message: string) {
    super(message);
    // node's test reporter prints the stack; this one is the message alone.
    this.stack = `MissingSystemPart: ${message}`;
  }
}
Object.defineProperty(MissingSystemPart.prototype, 'name', { value: 'MissingSystemPart' });

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

function runs(cmd: string, args: string[]): { ok: boolean; out: string; why: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { ok: false, out: '', why: 'not found' };
  const err = r.stderr.trim().split('\n').pop() ?? '';
  return { ok: r.status === 0, out: r.stdout.trim(), why: err || `exit ${r.status}` };
}

const PYTHONS = ['/usr/bin/python3', 'python3', '/usr/local/bin/python3'];

/** Each part: what it is, how to install it, and a probe that returns its path or why it was not found. */
const PARTS: Record<SystemPart, { what: string; install: string; find(): string | { missing: string } }> = {
  postgres: {
    what: 'PostgreSQL server binaries (initdb, pg_ctl)',
    install: 'apt-get install postgresql',
    find() {
      // Debian keeps them off PATH, in /usr/lib/postgresql/<version>/bin.
      for (const dir of (process.env.PATH ?? '').split(delimiter)) {
        if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
      }
      const base = '/usr/lib/postgresql';
      const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
      versions.sort((a, b) => Number(b) - Number(a));
      return versions.length ? join(base, versions[0], 'bin') : { missing: 'not on PATH nor in /usr/lib/postgresql/*/bin' };
    },
  },
  chromium: {
    what: 'Chromium or Chrome',
    install: 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium/Chrome binary',
    find() {
      if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : { missing: `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` };
      for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
        const p = onPath(name);
        if (p) return p;
      }
      return { missing: 'no chromium, chromium-browser or google-chrome on PATH' };
    },
  },
  'coverage.py': {
    what: 'python3 with coverage.py',
    install: 'apt-get install python3-coverage',
    find: () => firstPython(['-m', 'coverage', '--version']),
  },
  sqlalchemy2: {
    what: "python3 with SQLAlchemy 2 (the plugin's own models need DeclarativeBase)",
    install: 'bash scripts/install-sqlalchemy2.sh as root on Debian, or pip install "SQLAlchemy>=2"',
    find: () => firstPython(['-c', 'import sqlalchemy, sys; sys.exit(0 if int(sqlalchemy.__version__.split(".")[0]) >= 2 else "SQLAlchemy " + sqlalchemy.__version__)']),
  },
  python3: {
    what: 'python3',
    install: 'apt-get install python3',
    find: () => firstPython(['-c', 'pass']),
  },
  git: {
    what: 'git',
    install: 'apt-get install git',
    find: () => (runs('git', ['--version']).ok ? 'git' : { missing: 'not on PATH' }),
  },
  script: {
    what: "util-linux's script (runs a command on a pseudo-terminal)",
    install: 'apt-get install bsdutils',
    find: () => onPath('script') ?? { missing: 'not on PATH' },
  },
};

function firstPython(args: string[]): string | { missing: string } {
  const tried: string[] = [];
  for (const py of PYTHONS) {
    const r = runs(py, args);
    if (r.ok) return py;
    tried.push(`${py}: ${r.why}`);
  }
  return { missing: tried.join('; ') };
}

const found = new Map<SystemPart, string | { missing: string }>();

/** The part's path (a directory for postgres, an executable otherwise), or a one-line failure saying what to install. */
export function requireSystem(part: SystemPart): string {
  if (!found.has(part)) found.set(part, PARTS[part].find());
  const f = found.get(part)!;
  if (typeof f === 'string') return f;
  const { what, install } = PARTS[part];
  throw new MissingSystemPart(`${what} needed by this test was not found (${f.missing}); install it: ${install}`);
}
