/** A real two-commit git repository for the changed-lines tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { apiError, json, linkHeader, type StandInRequest } from '../helpers/rest-stand-in.ts';
import { CALC_PY } from './python-project.ts';
import { requireSystem } from '../helpers/require-system.ts';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, args: string[]): string {
  return execFileSync(requireSystem('git'), args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...GIT_ENV } });
}

/** Commit 1's calc.py: the project the coverage tests measure. */
export const CALC_V1 = CALC_PY;

/** Line 1 added, line 8 changed, a decorated multi-line `square` added at 11-15 (`def` on 12). */
export const CALC_V2 = `import functools
RATE = 2

def double(x):
    return x * RATE

def triple(x):
    y = 3 * x
    return y

@functools.lru_cache(maxsize=None)
def square(
    x,
):
    return x * x


class Box:
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
`;

const LONG = Array.from({ length: 20 }, (_, i) => `line_${i} = ${i}`).join('\n') + '\n';

export interface Repo {
  dir: string;
  c1: string;
  c2: string;
}

export function makeRepo(): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'ff-git-'));
  const write = (path: string, text: string | Buffer): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git(dir, ['init', '-q', '-b', 'main']);
  write('calc.py', CALC_V1);
  write('tests/test_calc.py', 'import calc\n\ndef test_double():\n    assert calc.double(2) == 4\n');
  write('notes.txt', 'a\nb\nc\n');
  write('extra.py', 'A = 1\nB = 2\nC = 3\nD = 4\n');
  write('old_name.py', 'x = 1\ny = 2\n');
  write('moved_and_edited.py', LONG);
  write('gone.py', 'z = 1\n');
  write('space name.txt', 'one\ntwo\n');
  write('blob.bin', Buffer.from([0, 1, 2, 3, 0, 255]));
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'one']);
  const c1 = git(dir, ['rev-parse', 'HEAD']).trim();

  write('calc.py', CALC_V2);
  write('tests/test_calc.py', 'import calc\n\ndef test_double():\n    assert calc.double(2) == 4\n\nasync def test_square():\n    assert calc.square(3) == 9\n');
  write('notes.txt', 'a\nB\nc\n');
  write('extra.py', 'A = 1\nC = 3\nD = 4\n'); // pure deletion
  renameSync(join(dir, 'old_name.py'), join(dir, 'new_name.py'));
  rmSync(join(dir, 'moved_and_edited.py'));
  write('moved/edited.py', LONG.replace('line_3 = 3', 'line_3 = 33'));
  rmSync(join(dir, 'gone.py'));
  write('added.py', 'def fresh():\n    return 1\n');
  write('space name.txt', 'one\nTWO\n');
  write('blob.bin', Buffer.from([0, 1, 2, 4, 0, 255]));
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'two']);
  const c2 = git(dir, ['rev-parse', 'HEAD']).trim();
  return { dir, c1, c2 };
}

/** Serves GitHub's compare endpoint from the real repository: statuses from `--name-status`, patches from `git diff` (3 lines of context, headers cut like GitHub's `patch`). */
export function compareFromRepo(repo: Repo, pageSize: number) {
  const status = git(repo.dir, ['diff', '--name-status', '-M', repo.c1, repo.c2]).trim().split('\n');
  const files = status.map((line) => {
    const [code, a, b] = line.split('\t');
    const kind = ({ M: 'modified', A: 'added', D: 'removed', R: 'renamed' } as Record<string, string>)[code[0]];
    const filename = b ?? a;
    const entry: Record<string, unknown> = { filename, status: kind, sha: 'x' };
    if (kind === 'renamed') entry.previous_filename = a;
    const diff = git(repo.dir, ['diff', repo.c1, repo.c2, '--', ...(b ? [a, b] : [a])]);
    const at = diff.indexOf('\n@@');
    if (at >= 0) entry.patch = diff.slice(at + 1).replace(/\n$/, '');
    return entry;
  });
  return (req: StandInRequest) => {
    if (req.params[1] !== repo.c1 || req.params[2] !== repo.c2) return apiError(404, 'Not Found');
    const page = Number(req.query.get('page') ?? '1');
    const slice = files.slice((page - 1) * pageSize, page * pageSize);
    const more = page * pageSize < files.length;
    const next = `${req.path}?page=${page + 1}`;
    return json({ status: 'ahead', ahead_by: 1, total_commits: 1, commits: [], files: slice }, 200, more ? { link: linkHeader({ next }) } : {});
  };
}
