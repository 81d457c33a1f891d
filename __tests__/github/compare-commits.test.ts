/**
 * The compare API client (src/github/compare-commits.ts) through the real Octokit against the local
 * REST stand-in: pages followed by Link rel="next", one entry per file name, and GitHub's 300-file
 * cap told apart from a long list on several pages; and changedLines' warning for the cap.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCommitFiles, compareFilesOf } from '../../src/github/compare-commits.ts';
import { changedLines } from '../../src/ingest/git-diff.ts';
import { json, linkHeader, startRestStandIn, type RestStandIn, type StandInRequest } from '../helpers/rest-stand-in.ts';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const file = (i: number) => ({ filename: `src/f${String(i).padStart(3, '0')}.py`, status: 'modified', patch: '@@ -2 +2 @@\n-x = 1\n+x = 2' });

/** `count` files, `pageSize` a page, with a Link to the next page while there are more. */
function pages(all: Record<string, unknown>[], pageSize: number) {
  return (req: StandInRequest) => {
    const page = Number(req.query.get('page') ?? '1');
    const more = page * pageSize < all.length;
    return json({ files: all.slice((page - 1) * pageSize, page * pageSize) }, 200, more ? { link: linkHeader({ next: `${req.path}?page=${page + 1}` }) } : {});
  };
}

describe('compareCommitFiles', () => {
  let api: RestStandIn;
  before(async () => {
    api = await startRestStandIn();
    const threeHundred = Array.from({ length: 300 }, (_, i) => file(i));
    api.route('GET', /^\/repos\/o\/capped\/compare\/a+\.\.\.b+$/, pages(threeHundred, 300));
    api.route('GET', /^\/repos\/o\/paged\/compare\/a+\.\.\.b+$/, pages(threeHundred, 100));
    // The same file on two pages: one entry, where it first came, with the later record.
    api.route('GET', /^\/repos\/o\/twice\/compare\/a+\.\.\.b+$/, pages([file(1), file(2), { ...file(1), status: 'renamed' }], 2));
  });
  after(() => api.close());

  const target = (repo: string) => ({ token: 't', owner: 'o', repo, apiUrl: api.url });

  test('300 files on one page: at GitHub\'s cap; the same count over pages is not', async () => {
    const capped = await compareCommitFiles(target('capped'), BASE, HEAD);
    assert.equal(capped.files.length, 300);
    assert.equal(capped.atFileLimit, true);
    const paged = await compareCommitFiles(target('paged'), BASE, HEAD);
    assert.equal(paged.files.length, 300);
    assert.equal(paged.atFileLimit, false);
    assert.equal(api.log.filter((l) => l.path.startsWith('/repos/o/paged/')).length, 3);
    assert.ok(api.log.every((l) => l.authorization === 'token t' && l.query.includes('per_page=100')));
  });

  test('a file listed twice is one entry', async () => {
    const twice = await compareCommitFiles(target('twice'), BASE, HEAD);
    assert.deepEqual(
      twice.files.map((f) => [f.filename, f.status]),
      [
        ['src/f001.py', 'renamed'],
        ['src/f002.py', 'modified'],
      ],
    );
  });

  test('changedLines warns that files past the cap are unknown, and reads the ones listed', async () => {
    const bare = realpathSync(mkdtempSync(join(tmpdir(), 'ff-compare-cap-')));
    const res = await changedLines({ workspace: bare, root: bare, source: BASE, target: HEAD, compareFiles: compareFilesOf(target('capped')) });
    assert.equal(res.via, 'api');
    assert.equal(res.linesChanged.size, 300);
    assert.deepEqual([...res.linesChanged.get(join(bare, 'src/f000.py'))!], [2]);
    assert.equal(
      res.warning,
      'The GitHub compare API listed 300 files, its limit; changed lines of further files are unknown (use `fetch-depth: 0` so git can diff).',
    );
    const paged = await changedLines({ workspace: bare, root: bare, source: BASE, target: HEAD, compareFiles: compareFilesOf(target('paged')) });
    assert.equal(paged.warning, undefined);
  });
});
