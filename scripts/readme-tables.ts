/**
 * Renders the README's input and output tables from action.yml, so the two never drift:
 * `node --import tsx scripts/readme-tables.ts` rewrites them; a test fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../', import.meta.url).pathname;

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as {
    inputs: Record<string, { description: string; default?: string; required?: boolean }>;
    outputs: Record<string, { description: string }>;
  };
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const inputs = [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...Object.entries(action.inputs).map(
      ([name, i]) => `| \`${name}\` | ${i.required ? '*required*' : i.default === '' || i.default === undefined ? '' : `\`${cell(String(i.default))}\``} | ${cell(i.description)} |`,
    ),
  ].join('\n');
  const outputs = ['| Output | Description |', '| --- | --- |', ...Object.entries(action.outputs).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)].join('\n');
  return { inputs, outputs };
}

export function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const t = renderTables(readFileSync(`${root}action.yml`, 'utf8'));
  let readme = readFileSync(`${root}README.md`, 'utf8');
  readme = replaceBetween(readme, 'inputs', t.inputs);
  readme = replaceBetween(readme, 'outputs', t.outputs);
  writeFileSync(`${root}README.md`, readme);
}
