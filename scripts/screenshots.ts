/**
 * `node --import tsx scripts/screenshots.ts`: the README's pictures. Runs the built action (dist/index.js) over the
 * three sample runs as the example workflow does, then photographs run 3's job summary (rendered as GitHub-flavoured
 * Markdown with GitHub's table rules, 780 px wide like the summary column) and its HTML report, in headless Chromium.
 * Writes docs/images/summary.png and docs/images/html-report.png. Needs `npm run build` first and Chromium
 * (CHROMIUM_PATH, or chromium on PATH).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { marked } from 'marked';
import { chromium } from 'playwright-core';
import { repoRoot, runAction } from './local-runner.ts';

/** The browser to photograph with; a missing one ends the script in one line, before any run is made. */
function findChromium(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (existsSync(given)) return given;
    console.error(`screenshots: CHROMIUM_PATH is set to ${given}, which does not exist; point it at a Chromium binary or unset it to use chromium on PATH.`);
    process.exit(1);
  }
  const found = ['chromium', 'chromium-browser', 'google-chrome'].flatMap((b) => (process.env.PATH ?? '').split(delimiter).map((d) => join(d, b))).find((p) => existsSync(p));
  if (found) return found;
  console.error('screenshots: Chromium not found (no chromium, chromium-browser or google-chrome on PATH); install it with `apt-get install chromium`, or set CHROMIUM_PATH to its binary.');
  process.exit(1);
}
const browserPath = findChromium();

const out = join(repoRoot, 'docs/images');
mkdirSync(out, { recursive: true });
const temp = mkdtempSync(join(tmpdir(), 'ffa-shots-'));
// A workspace of its own, so the pictures show paths as a checkout would have them.
cpSync(join(repoRoot, 'samples'), join(temp, 'samples'), { recursive: true });

let summary = '';
for (const n of [1, 2, 3]) {
  const r = await runAction({
    workspace: temp,
    inputs: {
      'test-results': `samples/run-${n}/*.xml`,
      root: 'samples/project',
      'target-commit': String(n).repeat(40),
      'database-path': 'flakefighters.db',
      'report-dir': `report-${n}`,
      'history-from-artifact': 'false',
      'upload-artifact': 'false',
      'fail-on': 'never',
    },
    runId: String(7000 + n),
    runNumber: 40 + n,
    sha: 'f'.repeat(40),
    env: { GITHUB_REPOSITORY: 'octo/shop', GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/ci.yml@refs/heads/main' },
  });
  if (r.code !== 0) throw new Error(`run ${n} failed: ${r.all}`);
  summary = r.summary;
}

const browser = await chromium.launch({ executablePath: browserPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  // GitHub's markdown-body rules that shape a summary (github-markdown-css, MIT): tables are blocks capped at the column.
  const css = `body{margin:0;background:#fff}.markdown-body{box-sizing:border-box;width:780px;padding:16px 24px;color:#1f2328;font:14px/1.5 -apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;word-wrap:break-word}
.markdown-body h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}.markdown-body h3{font-size:1.25em}
.markdown-body a{color:#0969da;text-decoration:none}.markdown-body code{padding:.2em .4em;font-size:85%;background:#eff2f5;border-radius:6px}
.markdown-body table{display:block;width:max-content;max-width:100%;overflow:auto;border-spacing:0;border-collapse:collapse}
.markdown-body td,.markdown-body th{padding:6px 13px;border:1px solid #d1d9e0}.markdown-body tr:nth-child(2n){background:#f6f8fa}`;
  const page = await browser.newPage({ viewport: { width: 780, height: 800 } });
  await page.setContent(`<!doctype html><meta charset="utf-8"><style>${css}</style><article class="markdown-body">${await marked.parse(summary, { gfm: true })}</article>`);
  await page.screenshot({ path: join(out, 'summary.png'), fullPage: true });
  await page.close();

  const report = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await report.goto(pathToFileURL(join(temp, 'report-3', 'flakefighters.html')).href);
  await report.click('#failures tbody.item:has-text("test_supplier_online") tr.main');
  await report.evaluate('window.scrollTo(0, 0)');
  await report.setViewportSize({ width: 1100, height: 1400 });
  await report.screenshot({ path: join(out, 'html-report.png'), fullPage: false });
  await report.close();
} finally {
  await browser.close();
}
console.log(`wrote ${join(out, 'summary.png')} and ${join(out, 'html-report.png')} (${readFileSync(join(out, 'summary.png')).length + readFileSync(join(out, 'html-report.png')).length} bytes)`);
