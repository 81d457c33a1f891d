/** The engine's messages, worded for the action's inputs, as the CLI prints them: in terms of its flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inFlagTerms } from '../../src/cli/cli-flags.ts';

test('input names become flags; paths, plain words and unknown names stay as they are', () => {
  const cases: [string, string][] = [
    ["Input 'test-results' is empty; give the files", '--results is empty; give the files'],
    ["Input 'database-path' is 'x'", "--database is 'x'"],
    ["Input 'no-such-input' is 'x'", "Input 'no-such-input' is 'x'"],
    ['DiffCov needs per-test coverage (the `coverage` input); without it', 'DiffCov needs per-test coverage (--coverage); without it'],
    ['not valid YAML: bad; fix the flakefighters input.', 'not valid YAML: bad; fix --flakefighters.'],
    [
      'test-results: no result files match test-results/*.xml in /w/test-results; set if-no-files-found to warn or ignore.',
      '--results: no result files match test-results/*.xml in /w/test-results; set --if-no-files-found to warn or ignore.',
    ],
    ['password authentication failed; check the database-url secret', 'password authentication failed; check the database URL'],
    ['database-url: ignoring parameter(s) foo', '--database-url: ignoring parameter(s) foo'],
    ['prune it with store-max-runs or time-immemorial.', 'prune it with --store-max-runs or --time-immemorial.'],
    ['root: /x is not a directory', '--root: /x is not a directory'],
    ['the root of the project and its coverage', 'the root of the project and its coverage'],
    ['report: --database is required', 'report: --database is required'],
    ['flakefighters-report/fail-on.xml: bad', 'flakefighters-report/fail-on.xml: bad'],
  ];
  for (const [engine, cli] of cases) assert.equal(inFlagTerms(engine), cli, engine);
});
