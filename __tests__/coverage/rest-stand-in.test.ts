import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getOctokit } from '@actions/github';
import { json, jsonBody, startRestStandIn } from '../helpers/rest-stand-in.ts';

test('the REST stand-in serves routes to the real Octokit client, logs requests and 404s the rest', async () => {
  const api = await startRestStandIn();
  try {
    const comments: { body: string }[] = [];
    api.route('POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, (req) => {
      const body = jsonBody<{ body: string }>(req)!;
      comments.push(body);
      return json({ id: comments.length, body: body.body, repo: req.params[2], issue: Number(req.params[3]) }, 201);
    });
    const octokit = getOctokit('tok', { baseUrl: api.url });
    const res = await octokit.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 7, body: 'hello' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.data as unknown, { id: 1, body: 'hello', repo: 'r', issue: 7 });
    await assert.rejects(octokit.rest.issues.get({ owner: 'o', repo: 'r', issue_number: 7 }), (e: { status?: number; message: string }) => {
      assert.equal(e.status, 404);
      assert.match(e.message, /no stand-in route for GET \/repos\/o\/r\/issues\/7/);
      return true;
    });
    assert.deepEqual(
      api.log.map((l) => [l.method, l.path, l.status, l.authorization]),
      [
        ['POST', '/repos/o/r/issues/7/comments', 201, 'token tok'],
        ['GET', '/repos/o/r/issues/7', 404, 'token tok'],
      ],
    );
  } finally {
    await api.close();
  }
});
