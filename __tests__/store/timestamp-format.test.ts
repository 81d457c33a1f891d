/**
 * formatLocalTimestamp and isoMicros reuse the text of the last minute they formatted (two per execution of a
 * 100k-test run). They must give exactly what the field-by-field formulas give, in any zone: zones with half- and
 * quarter-hour offsets, DST, and local mean times whose offsets have seconds (getTimezoneOffset rounds those).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ZONES = ['UTC', 'America/St_Johns', 'Asia/Kathmandu', 'Europe/Amsterdam', 'Australia/Lord_Howe', 'America/New_York', 'Africa/Monrovia'];

const PROBE = `
import { formatLocalTimestamp } from ${JSON.stringify(fileURLToPath(new URL('../../src/store/timestamps.ts', import.meta.url)))};
import { isoMicros } from ${JSON.stringify(fileURLToPath(new URL('../../src/report/junit-report.ts', import.meta.url)))};
const pad = (n, w = 2) => String(n).padStart(w, '0');
const local = (d) => \`\${pad(d.getFullYear(), 4)}-\${pad(d.getMonth() + 1)}-\${pad(d.getDate())} \${pad(d.getHours())}:\${pad(d.getMinutes())}:\${pad(d.getSeconds())}.\${pad(d.getMilliseconds(), 3)}000\`;
const iso = (d) => { const s = d.toISOString(); return s.length === 24 ? s.slice(0, 23) + '000' : s.replace('Z', ''); };
let seed = 7; const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const bad = [];
const probe = (ms) => {
  const d = new Date(ms);
  if (formatLocalTimestamp(d) !== local(d)) bad.push(['local', ms, formatLocalTimestamp(d), local(d)]);
  if (Number.isFinite(ms) && isoMicros(d) !== iso(d)) bad.push(['iso', ms, isoMicros(d), iso(d)]);
};
for (let i = 0; i < 30000; i++) probe(Math.floor((rnd() * 2 - 1) * 8.64e15 * (i % 3 === 0 ? 1 : 0.0001)));
for (const start of [Date.UTC(2026, 2, 8), Date.UTC(2026, 9, 25), Date.UTC(2026, 3, 5), Date.UTC(1900, 0, 1), Date.UTC(1937, 5, 30), Date.UTC(1972, 0, 1)]) {
  let t = start - 2 * 86400e3;
  for (let i = 0; i < 20000; i++) { probe(t); t += Math.floor(rnd() * 20000); }
}
for (const ms of [NaN, -62167219200000, -62167219200001, 253402300799999, 253402300800000, -60001, -1, 0]) probe(ms);
console.log(JSON.stringify(bad.slice(0, 5)));
`;

for (const tz of ZONES) {
  test(`formatted times equal the field-by-field formulas in ${tz}`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), []);
  });
}
