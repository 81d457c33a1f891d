import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  name: string;
  description: string;
  branding?: { icon?: string; color?: string };
};

test("action.yml passes the GitHub Marketplace's listing rules", () => {
  // The Marketplace refuses a description of 125 characters or more.
  assert.equal(typeof action.description, 'string');
  assert.ok(action.description.trim().length > 0, 'a description');
  assert.ok(action.description.length < 125, `description is ${action.description.length} characters; the Marketplace takes fewer than 125`);
  assert.ok(action.name.trim().length > 0, 'a name');
  assert.ok(action.branding?.icon && action.branding?.color, 'branding: icon and color');
});
