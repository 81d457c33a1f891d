/** Seeded generators for the benchmark inputs, so every run measures the same bytes. */
import { writeFileSync } from 'node:fs';

/** mulberry32: a tiny seeded PRNG; Math.random cannot be seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface JunitOptions {
  tests: number;
  seed?: number;
  failureRate?: number;
  skipRate?: number;
  modules?: number;
}

/** A pytest-style JUnit report: `tests` testcases in `modules` files, some failing with a traceback. */
export function junitXml(o: JunitOptions): string {
  const r = rng(o.seed ?? 42);
  const modules = o.modules ?? Math.max(1, Math.round(o.tests / 50));
  const parts: string[] = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="', String(o.tests), '" time="1.0" timestamp="2026-11-25T10:00:00.000000+00:00" hostname="runner">'];
  for (let i = 0; i < o.tests; i++) {
    const m = i % modules;
    const cls = `tests.pkg${m % 20}.test_module_${m}.TestFeature${i % 7}`;
    parts.push(`<testcase classname="${cls}" name="test_behaviour_${i}" time="${(r() * 0.05).toFixed(4)}">`);
    const x = r();
    if (x < (o.failureRate ?? 0.02)) {
      const line = 10 + (i % 200);
      parts.push(
        `<failure message="AssertionError: expected ${i} got ${i + 1}">self = &lt;${cls} object at 0x7f00&gt;\n\n    def test_behaviour_${i}(self):\n&gt;       assert compute(${i}) == ${i}\nE       AssertionError: expected ${i} got ${i + 1}\n\ntests/pkg${m % 20}/test_module_${m}.py:${line}: AssertionError</failure>`,
      );
    } else if (x < (o.failureRate ?? 0.02) + (o.skipRate ?? 0.01)) {
      parts.push('<skipped type="pytest.skip" message="not on this platform">skipped</skipped>');
    }
    parts.push('</testcase>');
  }
  parts.push('</testsuite></testsuites>\n');
  return parts.join('');
}

export function writeJunit(path: string, o: JunitOptions): number {
  const xml = junitXml(o);
  writeFileSync(path, xml);
  return Buffer.byteLength(xml);
}
