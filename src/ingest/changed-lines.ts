/**
 * What DiffCov counts as changed, with the plugin's semantics (parity README §3c): a file counts
 * only when the patch's source and target names are equal (added, deleted and renamed files are
 * ignored), its lines are the new-version lines of each hunk (pure deletions add nothing), and
 * Python `def` lines among them are the method declarations.
 */

export interface FilePatch {
  /** Path before, or null for /dev/null (added file). */
  source: string | null;
  /** Path after, or null for /dev/null (deleted file). */
  target: string | null;
  /** 1-based lines of the new version that the patch adds or replaces. */
  lines: number[];
  binary: boolean;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Lines of the new version touched by the hunks of one file's patch body (what the GitHub API
 * gives as `patch`, with context lines, or what `git diff -U0` gives without). Same result as
 * unidiff's `range(target_start, target_start + target_length)` on a `-U0` diff, because in a
 * zero-context hunk every new-side line is an added one.
 */
export function hunkLines(patch: string): number[] {
  const out: number[] = [];
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = HUNK.exec(lines[i]);
    if (!m) continue;
    let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
    let newLeft = m[4] === undefined ? 1 : Number(m[4]);
    let n = Number(m[3]);
    while ((oldLeft > 0 || newLeft > 0) && i + 1 < lines.length) {
      const body = lines[++i];
      const tag = body[0];
      if (tag === '+') {
        out.push(n++);
        newLeft--;
      } else if (tag === '-') oldLeft--;
      else if (tag === ' ' || body === '') {
        n++;
        newLeft--;
        oldLeft--;
      } else if (tag === '\\') continue;
      else {
        i--;
        break;
      }
    }
  }
  return out;
}

/** Parses `git diff --no-prefix` output into one entry per file, counting hunk lines so a deleted `-- x` line is never read as a header. */
export function parseGitDiff(text: string): FilePatch[] {
  const out: FilePatch[] = [];
  const lines = text.split('\n');
  let cur: FilePatch | null = null;
  const flush = (): void => {
    if (cur) out.push(cur);
    cur = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('diff --git ')) {
      flush();
      cur = { source: null, target: null, lines: [], binary: false };
      continue;
    }
    if (!cur) continue;
    const c: FilePatch = cur;
    if (line.startsWith('--- ')) c.source = diffPath(line.slice(4));
    else if (line.startsWith('+++ ')) c.target = diffPath(line.slice(4));
    else if (line.startsWith('Binary files ')) {
      const m = /^Binary files (.+?) and (.+?) differ$/.exec(line);
      if (m) {
        c.source = diffPath(m[1]);
        c.target = diffPath(m[2]);
        c.binary = true;
      }
    } else if (HUNK.test(line)) {
      const m = HUNK.exec(line)!;
      const oldCount = m[2] === undefined ? 1 : Number(m[2]);
      const newCount = m[4] === undefined ? 1 : Number(m[4]);
      let j = i + 1;
      let oldLeft = oldCount;
      let newLeft = newCount;
      while (j < lines.length && (oldLeft > 0 || newLeft > 0 || lines[j].startsWith('\\'))) {
        const t = lines[j][0];
        if (t === '+') newLeft--;
        else if (t === '-') oldLeft--;
        else if (t === ' ') {
          oldLeft--;
          newLeft--;
        } else if (t !== '\\') break;
        j++;
      }
      c.lines.push(...hunkLines(lines.slice(i, j).join('\n')));
      i = j - 1;
    }
  }
  flush();
  return out;
}

/** `path`, `"quoted\tpath"` or `/dev/null`, with git's trailing tab (added after names with spaces) removed. */
function diffPath(raw: string): string | null {
  let p = raw.replace(/\t.*$/, '');
  if (p === '/dev/null') return null;
  if (p.startsWith('"') && p.endsWith('"')) p = unquoteC(p.slice(1, -1));
  return p;
}

/** Git's C-style quoting (core.quotePath): \t \n \" \\ and octal bytes for non-ASCII. */
function unquoteC(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i];
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(({ t: 9, n: 10, r: 13, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

const PYTHON_FILE = /\.(?:py|pyw|pyi)$/i;

export function isPythonFile(path: string): boolean {
  return PYTHON_FILE.test(path);
}

/**
 * 1-based lines where a `def` / `async def` statement starts (the keyword's line, not a decorator's),
 * like `ast.FunctionDef.lineno`. Strings, comments, brackets and backslash continuations are
 * tracked so a `def` inside a docstring or a multi-line signature's later lines never count.
 * Returns null when the source does not tokenize (unterminated string or bracket), where the
 * plugin's `ast.parse` would raise SyntaxError and skip the file.
 */
export function pythonDefLines(source: string): number[] | null {
  const out: number[] = [];
  const text = source.replace(/\r\n?/g, '\n');
  let depth = 0;
  let quote: string | null = null; // the closing delimiter: ', ", ''' or """
  let continued = false;
  let lineNo = 1;
  let lineStart = 0;
  const checkStatementStart = (at: number): void => {
    if (depth === 0 && quote === null && !continued) {
      const end = text.indexOf('\n', at);
      const line = text.slice(at, end === -1 ? undefined : end);
      if (/^[ \t\f]*(?:async[ \t]+)?def[ \t]+[^\W\d]\w*/u.test(line)) out.push(lineNo);
    }
  };
  checkStatementStart(0);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === '\\') {
        i++;
        if (text[i] === '\n') {
          lineNo++;
          lineStart = i + 1;
        }
      } else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      } else if (c === '\n') {
        if (quote.length === 1) return null;
        lineNo++;
        lineStart = i + 1;
      }
      continue;
    }
    if (c === '#') {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth < 0) return null;
    } else if (c === '\\' && text[i + 1] === '\n') {
      continued = true;
      i++;
      lineNo++;
      lineStart = i + 1;
      continue;
    } else if (c === '\n') {
      lineNo++;
      lineStart = i + 1;
      continued = false;
      checkStatementStart(lineStart);
    }
  }
  if (quote !== null || depth !== 0) return null;
  return out;
}
