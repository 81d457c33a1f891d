import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hunkLines, parseGitDiff, pythonDefLines } from '../../src/ingest/changed-lines.ts';

/**
 * Python's own answers, one interpreter for all sources: the lineno of every
 * FunctionDef/AsyncFunctionDef, or null on SyntaxError (what the plugin does).
 */
function astDefLines(sources: string[]): (number[] | null)[] {
  const script =
    'import ast, json, sys\n' +
    'out = []\n' +
    'for src in json.load(sys.stdin):\n' +
    '    try:\n        tree = ast.parse(src)\n    except SyntaxError:\n        out.append(None); continue\n' +
    '    out.append(sorted(n.lineno for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))))\n' +
    'print(json.dumps(out))\n';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(sources), encoding: 'utf8' })) as (number[] | null)[];
}

const TRICKY = `"""Module docstring
def not_a_function():
"""
import functools

@functools.wraps(
    print
)
def decorated(a,
              b=(1,
                 2)):
    '''def inside_docstring(): pass'''
    s = "def in_a_string(): pass"
    t = '''
def in_a_triple_string():
    pass'''
    return a  # def in_a_comment(): pass

async def coro(
    x,
): return x

class C:
    @property
    def prop(self): return 1

    async  def spaced(self):
        def inner(): pass
        return inner

x = [
    1,
    2,
]; y = lambda: 1
if x: \\
    pass
def after_continuation(): pass
s = 'it\\'s'
r = r"\\\\"
def last():
    return f"{x!r} def nope(): pass"
`;

const CRLF = 'def first():\r\n    pass\r\n\r\nclass K:\r\n    def m(self):\r\n        pass\r\n';
const BROKEN = ['def f(:\n    pass\n(', 's = "unterminated\ndef g(): pass\n', 'x = """never closed\n', 'x = 1)\n'];

describe('pythonDefLines', () => {
  const [trickyAst, crlfAst, ...brokenAst] = astDefLines([TRICKY, CRLF, ...BROKEN]);

  test('agrees with ast on decorators, multi-line signatures, strings, comments and nesting', () => {
    const ours = pythonDefLines(TRICKY);
    assert.deepEqual(ours, trickyAst);
    assert.deepEqual(ours, [9, 19, 25, 27, 28, 37, 40]);
  });

  test('CRLF sources and a def on the first line', () => {
    assert.deepEqual(pythonDefLines(CRLF), crlfAst);
    assert.deepEqual(pythonDefLines(CRLF), [1, 5]);
  });

  test('sources that do not tokenize are skipped, like the plugin skips a SyntaxError', () => {
    BROKEN.forEach((src, i) => {
      assert.equal(pythonDefLines(src), null, src);
      assert.equal(brokenAst[i], null, src);
    });
  });
});

describe('diff parsing', () => {
  test("hunkLines on a GitHub-style patch with context gives the same lines as a -U0 hunk's target range", () => {
    const patch = [
      '@@ -1,4 +1,5 @@',
      '+import os',
      ' a = 1',
      '-b = 2',
      '+b = 3',
      ' c = 3',
      ' d = 4',
      '@@ -10,3 +11,2 @@ def f():',
      ' x',
      '-y',
      ' z',
      '\\ No newline at end of file',
    ].join('\n');
    assert.deepEqual(hunkLines(patch), [1, 3]);
  });

  test('parseGitDiff: counted hunks (a deleted "-- x" line is no header), quoted names, no-newline markers', () => {
    const text = [
      'diff --git sql/q.sql sql/q.sql',
      'index 1..2 100644',
      '--- sql/q.sql',
      '+++ sql/q.sql',
      '@@ -3,2 +3 @@ select',
      '--- a comment',
      '-+++ weird',
      '+-- new comment',
      '@@ -9 +8,0 @@',
      '-gone',
      '\\ No newline at end of file',
      'diff --git "caf\\303\\251 \\"q\\".py" "caf\\303\\251 \\"q\\".py"',
      'index 1..2 100644',
      '--- "caf\\303\\251 \\"q\\".py"',
      '+++ "caf\\303\\251 \\"q\\".py"',
      '@@ -1 +1,2 @@',
      '-x = 1',
      '+x = 2',
      '+y = 3',
      'diff --git new.py new.py',
      'new file mode 100644',
      '--- /dev/null',
      '+++ new.py',
      '@@ -0,0 +1 @@',
      '+z = 1',
      '',
    ].join('\n');
    const patches = parseGitDiff(text);
    assert.deepEqual(
      patches.map((p) => [p.source, p.target, p.lines]),
      [
        ['sql/q.sql', 'sql/q.sql', [3]],
        ['café "q".py', 'café "q".py', [1, 2]],
        [null, 'new.py', [1]],
      ],
    );
  });
});
