/** Every XML fixture below a folder (recursively, sorted): the tests that read all of them at once share this walk. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (name.endsWith('.xml')) out.push(p);
  }
  return out.sort();
}
