// Baseline for the ingest benchmark: read the file and parse it with fast-xml-parser, nothing else.
// `attributes` parses attributes too (what a JUnit reader needs), the default ignores them.
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
const [file, mode] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const parser = mode === 'attributes' ? new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: false }) : new XMLParser();
const doc = parser.parse(text);
if (!doc) process.exit(1);
