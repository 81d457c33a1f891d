import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFrames, guessLanguage, shortExceptionName } from '../../src/ingest/tracebacks.ts';

const root = mkdtempSync(join(tmpdir(), 'ff-tb-'));
after(() => rmSync(root, { recursive: true, force: true }));
for (const f of ['app/src/test/java/org/acme/CartTest.java', 'core/src/main/java/org/acme/Cart.java', 'a/src/main/java/org/acme/Dup.java', 'b/src/main/java/org/acme/Dup.java']) {
  mkdirSync(join(root, f, '..'), { recursive: true });
  writeFileSync(join(root, f), '');
}

describe('extractFrames', () => {
  test('Python standard traceback: statements, chained exceptions, paths relative to root', () => {
    const text = `Traceback (most recent call last):
  File "${root}/pkg/mod.py", line 12, in run
    return helper(x)
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)`;
    assert.deepEqual(extractFrames(text, 'python', root), {
      name: 'JSONDecodeError',
      frames: [
        { path: 'pkg/mod.py', lineno: 11, colno: null, statement: 'return helper(x)' },
        { path: '/usr/lib/python3.11/json/__init__.py', lineno: 345, colno: null, statement: 'return _default_decoder.decode(s)' },
      ],
    });
  });

  test('pytest long form: > lines, short "in func" frames, final location line', () => {
    const text = `def test_x():
>       assert f(1) == 2

tests/test_x.py:5: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 
src/f.py:3: in f
    return g(x)
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

    def g(x):
>       raise KeyError(x)
E       KeyError: 1

src/f.py:7: KeyError`;
    assert.deepEqual(extractFrames(text, 'python', root), {
      name: 'KeyError',
      frames: [
        { path: 'tests/test_x.py', lineno: 4, colno: null, statement: '    assert f(1) == 2' },
        { path: 'src/f.py', lineno: 2, colno: null, statement: '    return g(x)' },
        { path: 'src/f.py', lineno: 6, colno: null, statement: '    raise KeyError(x)' },
      ],
    });
  });

  test('Java: framework frames left out, paths resolved in source roots of modules, ambiguous names kept as package paths', () => {
    const text = `java.lang.IllegalStateException: empty
\tat org.acme.Cart.total(Cart.java:40)
\tat org.acme.Dup.run(Dup.java:3)
\tat org.acme.CartTest$Inner.checks(CartTest.java:22)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:728)
\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
Caused by: java.io.IOException: gone
\t... 3 more`;
    assert.deepEqual(extractFrames(text, 'java', root), {
      name: 'IllegalStateException',
      frames: [
        { path: 'core/src/main/java/org/acme/Cart.java', lineno: 39, colno: null, statement: null },
        { path: 'org/acme/Dup.java', lineno: 2, colno: null, statement: null },
        { path: 'app/src/test/java/org/acme/CartTest.java', lineno: 21, colno: null, statement: null },
      ],
    });
  });

  test('JavaScript: named and anonymous frames, file:// URLs, node internals and node_modules left out', () => {
    const text = `AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:
    at Context.<anonymous> (file://${root}/test/a.test.mjs:10:14)
    at ${root}/src/lib.js:3:9
    at async Promise.all (index 0)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
    at Object.run (${root}/node_modules/mocha/lib/runner.js:1:1)`;
    assert.deepEqual(extractFrames(text, 'javascript', root), {
      name: 'AssertionError',
      frames: [
        { path: 'test/a.test.mjs', lineno: 9, colno: 14, statement: null },
        { path: 'src/lib.js', lineno: 2, colno: 9, statement: null },
      ],
    });
  });

  test('Go: panics name "panic" and skip runtime and testing frames', () => {
    const text = `panic: boom [recovered]
goroutine 7 [running]:
testing.tRunner.func1.2({0x51c3a0, 0x6a8f20})
\t/usr/local/go/src/testing/testing.go:1631 +0x24a
example.com/x.Do()
\t${root}/x/do.go:18 +0x1a`;
    assert.deepEqual(extractFrames(text, 'go', root), { name: 'panic', frames: [{ path: 'x/do.go', lineno: 17, colno: null, statement: null }] });
    assert.deepEqual(extractFrames('    x_test.go:9: got 1', 'go', root), { name: 'Failure', frames: [{ path: 'x_test.go', lineno: 8, colno: null, statement: null }] });
  });

  test('.NET: "in file:line N" frames, framework frames left out', () => {
    const text = `System.InvalidOperationException : Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at Shop.Cart.First() in ${root}/src/Cart.cs:line 14
   at Shop.Tests.CartTests.First() in ${root}/tests/CartTests.cs:line 30`;
    assert.deepEqual(extractFrames(text, 'dotnet', root), {
      name: 'InvalidOperationException',
      frames: [
        { path: 'src/Cart.cs', lineno: 13, colno: null, statement: null },
        { path: 'tests/CartTests.cs', lineno: 29, colno: null, statement: null },
      ],
    });
  });

  test('no hint: the language is guessed from the text; text without frames gives null', () => {
    assert.equal(guessLanguage('  File "a.py", line 3, in f'), 'python');
    assert.equal(guessLanguage('\tat a.B.c(B.java:3)'), 'java');
    assert.equal(guessLanguage('    at f (/x/a.js:1:2)'), 'javascript');
    assert.equal(extractFrames('\tat a.b.C.m(C.java:7)', null, root)?.frames[0].path, 'a/b/C.java');
    assert.equal(extractFrames('expected 1 but was 2', null, root), null);
    assert.equal(extractFrames('', 'python', root), null);
    // The dialect's language does not match the text: fall back to what the text is.
    assert.equal(extractFrames('  File "/tmp/t.py", line 2, in t\n    x()\nValueError: no', 'java', root)?.name, 'ValueError');
  });

  test('exception names lose their package and error code', () => {
    assert.equal(shortExceptionName('java.lang.AssertionError'), 'AssertionError');
    assert.equal(shortExceptionName('AssertionError [ERR_ASSERTION]'), 'AssertionError');
    assert.equal(shortExceptionName('PHPUnit\\Framework\\ExpectationFailedException'), 'ExpectationFailedException');
  });
});
