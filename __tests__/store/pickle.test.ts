import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  OpaqueObject,
  PickleDict,
  PickleError,
  PickleSet,
  PickleTuple,
  coverageFromPickle,
  coverageToPickle,
  pickle,
  toPlain,
  unpickle,
  type PlainValue,
} from '../../src/store/pickle.ts';
import { python } from './python.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const ROWS = JSON.parse(readFileSync(`${SHARED}/plugin/rows.json`, 'utf8'));

interface RawPickle {
  raw_base64: string;
  value: unknown;
}

function fixturePickles(): { where: string; raw: RawPickle }[] {
  const out: { where: string; raw: RawPickle }[] = [];
  const walk = (v: unknown, where: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.raw_base64 === 'string') out.push({ where, raw: o as unknown as RawPickle });
      else for (const [k, x] of Object.entries(o)) walk(x, `${where}.${k}`);
    }
  };
  walk(ROWS, 'rows');
  return out;
}

/** rows.json spells tuples {__tuple__: [...]}; toPlain gives arrays. */
function normalizeFixture(v: unknown): PlainValue {
  if (Array.isArray(v)) return v.map(normalizeFixture);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('__tuple__' in o) return normalizeFixture(o.__tuple__);
    const out: Record<string, PlainValue> = {};
    for (const [k, x] of Object.entries(o)) out[k] = normalizeFixture(x);
    return out;
  }
  return v as PlainValue;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('unpickle: the plugin database pickles', () => {
  const all = fixturePickles();
  test('rows.json holds the params and coverage pickles', () => {
    assert.ok(all.length >= 6, `found ${all.length}`);
  });
  for (const { where, raw } of all) {
    test(`decodes ${where}`, () => {
      const v = unpickle(Buffer.from(raw.raw_base64, 'base64'));
      assert.deepEqual(toPlain(v), normalizeFixture(raw.value));
    });
  }
  test('DiffCov params: the GitPython Repo is an opaque placeholder with its state', () => {
    const diffcov = ROWS.activeflakefighter.find((r: { name: string }) => r.name === 'DiffCov');
    const v = unpickle(Buffer.from(diffcov.params.raw_base64, 'base64'));
    assert.ok(v instanceof PickleDict);
    const repo = v.get('root');
    assert.ok(repo instanceof OpaqueObject);
    assert.equal(repo.module, 'git.repo.base');
    assert.equal(repo.qualname, 'Repo');
    assert.ok(repo.state instanceof PickleDict);
    assert.equal(repo.state.get('working_dir'), '/home/runner/work/sample/sample');
    assert.ok(repo.state.get('git') instanceof OpaqueObject);
    assert.equal(v.get('source_commit'), 'a264cd9a5595749a97a15adace5d340f987712a2');
  });
  test('coverage decodes to path → unsorted 1-based lines', () => {
    const cov = coverageFromPickle(Buffer.from(ROWS.test_execution[0].coverage.raw_base64, 'base64'));
    assert.deepEqual(cov, ROWS.test_execution[0].coverage.value);
  });
});

describe('pickle round trips', () => {
  const values = [
    null,
    true,
    false,
    0,
    255,
    256,
    65535,
    65536,
    -1,
    -2147483648,
    2147483647,
    2147483648,
    -2147483649,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2n ** 100n,
    -(2n ** 70n),
    0.8,
    -1.5e300,
    '',
    'héllo ✓ 𝄞',
    'x'.repeat(300),
    new Uint8Array([0, 1, 255]),
    new Uint8Array(1000).fill(7),
    [],
    [1, [2, [3, []]]],
    Array.from({ length: 2500 }, (_, i) => i),
  ];
  for (const v of values) {
    test(`round trip ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v instanceof Uint8Array ? `bytes(${v.length})` : v)?.slice(0, 40)}`, () => {
      assert.deepEqual(unpickle(pickle(v)), v);
    });
  }
  test('containers: dict, tuple, set, frozenset', () => {
    const d = new PickleDict([
      ['a', 1],
      [2, new PickleTuple([1, 'x', null, false])],
      [new PickleTuple([1, 2]), new PickleSet([1, 2, 3])],
      ['f', new PickleSet(['a'], true)],
      ['t1', new PickleTuple([1])],
    ]);
    const back = unpickle(pickle(d));
    assert.deepEqual(toPlain(back), toPlain(d));
    assert.ok(back instanceof PickleDict);
    assert.ok((back.get('f') as PickleSet).frozen);
  });
  test('plain objects become dicts', () => {
    const back = unpickle(pickle({ threshold: 0.8, run_live: false, nested: { a: [1, 2] } }));
    assert.deepEqual(toPlain(back), { threshold: 0.8, run_live: false, nested: { a: [1, 2] } });
  });
  test('coverage helpers round trip, lines above 255 included', () => {
    const cov = { '/a.py': [3, 1, 300, 70000], '/b.py': [] };
    assert.deepEqual(coverageFromPickle(coverageToPickle(cov)), cov);
    assert.equal(coverageToPickle(null), null);
    assert.equal(coverageFromPickle(null), null);
  });
  test('an opaque object is written without any GLOBAL', () => {
    const diffcov = ROWS.activeflakefighter.find((r: { name: string }) => r.name === 'DiffCov');
    const v = unpickle(Buffer.from(diffcov.params.raw_base64, 'base64'));
    const out = pickle(v);
    assert.ok(!out.includes(0x63) || !Buffer.from(out).toString('latin1').includes('git.repo'), 'no module name emitted');
    assert.ok(!out.includes(0x93), 'no STACK_GLOBAL');
    const back = toPlain(unpickle(out)) as Record<string, PlainValue>;
    assert.equal(back.root, '/home/runner/work/sample/sample');
    const other = unpickle(pickle(new OpaqueObject('m', 'C', [], new PickleDict([['k', 1]]))));
    assert.deepEqual(toPlain(other), { k: 1 });
    assert.equal(unpickle(pickle(new OpaqueObject('m', 'C'))), '<m.C>');
  });
});

describe('python3 interoperability', () => {
  test('python3 unpickles what we write', () => {
    const value = {
      s: 'héllo ✓',
      i: [0, 255, 256, 65536, -5, 2 ** 40, -(2 ** 40)],
      big: 2n ** 100n,
      f: 0.05,
      b: true,
      n: null,
      bytes: new Uint8Array([1, 2, 3]),
      t: new PickleTuple([1, 'a']),
      set: new PickleSet([1, 2]),
      fs: new PickleSet(['x'], true),
      cov: { '/x.py': Array.from({ length: 3000 }, (_, i) => i + 1) },
      repo: new OpaqueObject('git.repo.base', 'Repo', [], new PickleDict([['working_dir', '/w']])),
    };
    const script = `
import pickle, sys, json
v = pickle.loads(sys.stdin.buffer.read())
assert v['s'] == 'héllo ✓', v['s']
assert v['i'] == [0, 255, 256, 65536, -5, 2**40, -(2**40)], v['i']
assert v['big'] == 2**100
assert v['f'] == 0.05 and v['b'] is True and v['n'] is None
assert v['bytes'] == b'\\x01\\x02\\x03'
assert v['t'] == (1, 'a') and v['set'] == {1, 2} and v['fs'] == frozenset({'x'})
assert v['cov']['/x.py'] == list(range(1, 3001))
assert v['repo'] == '/w'
print('ok')
`;
    assert.equal(python(script, pickle(value)).trim(), 'ok');
  });
  for (const proto of [2, 3, 4, 5]) {
    test(`we read what python3 writes with protocol ${proto}`, () => {
      const script = `
import pickle, sys, base64
v = {'s': 'héllo ✓', 'ints': [0, 255, 256, 65536, -5, 2**40, 2**100, -(2**70)], 'f': 0.8, 'b': [True, False, None],
     'bytes': b'\\x00\\xffab', 'ba': bytearray(b'xy'), 't': (1, 'a'), 't0': (), 't5': (1, 2, 3, 4, 5), 'set': {1, 2}, 'fs': frozenset({3}),
     'shared': None, 'long': 'x' * 300, 'cov': {'/a.py': [300, 1, 70000]}}
lst = [1, 2]
v['shared'] = [lst, lst]
sys.stdout.write(base64.b64encode(pickle.dumps(v, protocol=${proto})).decode())
`;
      const bytes = Buffer.from(python(script), 'base64');
      const v = unpickle(bytes);
      assert.deepEqual(toPlain(v), {
        s: 'héllo ✓',
        ints: [0, 255, 256, 65536, -5, 2 ** 40, (2n ** 100n).toString(), (-(2n ** 70n)).toString()],
        f: 0.8,
        b: [true, false, null],
        bytes: Buffer.from([0, 255, 97, 98]).toString('base64'),
        ba: Buffer.from('xy').toString('base64'),
        t: [1, 'a'],
        t0: [],
        t5: [1, 2, 3, 4, 5],
        set: [1, 2],
        fs: [3],
        shared: [
          [1, 2],
          [1, 2],
        ],
        long: 'x'.repeat(300),
        cov: { '/a.py': [300, 1, 70000] },
      });
      assert.ok(v instanceof PickleDict);
      assert.equal(v.get('ints') instanceof Array && (v.get('ints') as unknown[])[6], 2n ** 100n);
      assert.ok(v.get('set') instanceof PickleSet);
      assert.ok(v.get('bytes') instanceof Uint8Array);
    });
  }
  test('protocol 0 text pickles still decode', () => {
    const bytes = Buffer.from(python(`import pickle,sys,base64; sys.stdout.write(base64.b64encode(pickle.dumps({'a': [1, 2.5, 'x', True, None, (1,)]}, protocol=0)).decode())`), 'base64');
    assert.deepEqual(toPlain(unpickle(bytes)), { a: [1, 2.5, 'x', true, null, [1]] });
  });
});

describe('untrusted pickles', () => {
  test('GLOBAL os.system + REDUCE yields an OpaqueObject and runs nothing', () => {
    const marker = `/tmp/ffa-pickle-pwned-${process.pid}`;
    const evil = Buffer.from(`cos\nsystem\n(S'touch ${marker}'\ntR.`, 'latin1');
    const v = unpickle(evil);
    assert.ok(v instanceof OpaqueObject);
    assert.equal(v.module, 'os');
    assert.equal(v.qualname, 'system');
    assert.deepEqual(v.args, [`touch ${marker}`]);
    assert.throws(() => readFileSync(marker));
  });
  test('python-made malicious pickle (__reduce__ → subprocess) stays inert', () => {
    const bytes = Buffer.from(
      python(`
import pickle, sys, base64, subprocess
class E:
    def __reduce__(self):
        return (subprocess.check_call, (['false'],))
sys.stdout.write(base64.b64encode(pickle.dumps({'x': E()}, protocol=5)).decode())`),
      'base64',
    );
    const v = unpickle(bytes) as PickleDict;
    const x = v.get('x');
    assert.ok(x instanceof OpaqueObject);
    assert.equal(`${x.module}.${x.qualname}`, 'subprocess.check_call');
  });
  test('INST, OBJ, NEWOBJ_EX and BUILD produce placeholders', () => {
    const inst = unpickle(Buffer.from(`(S'a'\nimod\nCls\n(dS'k'\nI1\nsb.`, 'latin1'));
    assert.ok(inst instanceof OpaqueObject);
    assert.deepEqual(inst.args, ['a']);
    assert.deepEqual(toPlain(inst.state), { k: 1 });
    // OBJ: MARK GLOBAL args OBJ
    const obj = unpickle(Buffer.from(`(cmod\nCls\nI7\no.`, 'latin1'));
    assert.ok(obj instanceof OpaqueObject);
    assert.deepEqual(obj.args, [7]);
    // NEWOBJ_EX: cls, args tuple, kwargs dict
    const ex = unpickle(Uint8Array.from([0x80, 4, 0x8c, 1, 0x6d, 0x8c, 1, 0x43, 0x93, 0x4b, 5, 0x85, 0x7d, 0x92, 0x2e]));
    assert.ok(ex instanceof OpaqueObject);
    assert.deepEqual(ex.args, [5]);
  });
  test('lengths beyond the data are refused', () => {
    // BINUNICODE claiming 1 GiB
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0x58, 0, 0, 0, 0x40, 0x61, 0x2e])), PickleError);
    // BINBYTES8 claiming 2^40
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0, 0x2e])), /limit|truncated/);
    // SHORT_BINUNICODE longer than the rest
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0x8c, 10, 0x61, 0x2e])), /truncated/);
  });
  test('deep nesting is refused', () => {
    const ops: number[] = [0x80, 4];
    for (let i = 0; i < 1100; i++) ops.push(0x28); // MARK x1100
    assert.throws(() => unpickle(Uint8Array.from([...ops, 0x2e])), /nesting/);
    const nested: number[] = [0x80, 4, 0x5d];
    for (let i = 0; i < 1100; i++) nested.push(0x85); // ((([],),),) 1100 deep
    nested.push(0x2e);
    assert.throws(() => unpickle(Uint8Array.from(nested)), /nesting/);
    // 900 deep is fine
    assert.ok(unpickle(Uint8Array.from([0x80, 4, 0x5d, ...new Array(900).fill(0x85), 0x2e])) instanceof PickleTuple);
  });
  test('a self-referencing list is refused', () => {
    const bytes = Buffer.from(python(`import pickle,sys,base64; l=[]; l.append(l); sys.stdout.write(base64.b64encode(pickle.dumps(l, 4)).decode())`), 'base64');
    assert.throws(() => unpickle(bytes), /self-referencing/);
  });
  test('unknown opcodes, truncation and missing STOP are errors', () => {
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0xff])), /unknown opcode 0xff/);
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0x4e])), /no STOP/);
    assert.throws(() => unpickle(Uint8Array.from([0x80, 9, 0x4e, 0x2e])), /protocol 9/);
    assert.throws(() => unpickle(Uint8Array.from([0x80, 4, 0x51, 0x2e])), /persistent/);
    assert.throws(() => unpickle(new Uint8Array(0)), PickleError);
  });
  test('pickle refuses cycles and non-data values', () => {
    const a: unknown[] = [];
    a.push(a);
    assert.throws(() => pickle(a as never), /self-referencing/);
    assert.throws(() => pickle(new Date() as never), /Date/);
  });
  test('bytes helper sanity', () => {
    assert.equal(b64(pickle(null)), Buffer.from([0x80, 4, 0x4e, 0x2e]).toString('base64'));
  });
});
