// [9] item 4: docs/API.md promises `{"error": …}` as application/json for every error of the JSON
// API. Every way an API request can go wrong answers so, whoever answers it: the handler, the
// router (404, 405) and the server itself (a malformed request, 400).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawExchange } from './harness.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => srv && (await srv.stop()));

async function jsonError(r, status, what) {
  assert.equal(r.status, status, what);
  assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/, what);
  const body = JSON.parse(r.text);
  assert.equal(typeof body.error, 'string', what);
  assert.ok(body.error.length > 0, what);
  return body;
}

test('every error of the JSON API is {"error": …} as application/json', async () => {
  const c = new Client(srv);
  await jsonError(await c.get('/api/v1/utbildningar?q=%ZZ'), 400, 'a query string that cannot be read');
  await jsonError(await c.get('/api/v1/ingenting'), 404, 'an address the API does not have');
  const wrongMethod = await c.request('DELETE', '/api/v1/utbildningar');
  await jsonError(wrongMethod, 405, 'a method the address does not take');
  assert.equal(wrongMethod.headers.get('allow'), 'GET');
  await jsonError(await c.request('POST', '/api/v1/schools/DEMO1/reports', { body: '{}' }), 401, 'no key');
  await jsonError(await c.get('/api/v1/schools/DEMO1/reports'), 405, 'the reports take POST only');
  // The pages keep their HTML.
  const page = await c.get('/finns-inte');
  assert.equal(page.status, 404);
  assert.match(page.headers.get('content-type'), /^text\/html/);
});

test('the server\'s own refusal of a malformed API request is JSON too', async () => {
  const r = await rawExchange(srv.port, ['POST /api/v1/schools/DEMO1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n']);
  assert.match(r.data, /^HTTP\/1\.1 400 /);
  assert.match(r.data, /\r\nContent-Type: application\/json; charset=utf-8\r\n/i);
  const body = JSON.parse(r.data.slice(r.data.indexOf('\r\n\r\n') + 4));
  assert.match(body.error, /Malformed request/);
});
