// HS256 tokens for tests of nodes with authentication on (ROOMCAST_AUTH_HMAC_SECRET = SECRET), and
// the API key their HTTP API accepts (ROOMCAST_AUTH_API_KEYS = API_KEY).
import { createHmac } from 'node:crypto';

export const SECRET = 'roomcast-js-tests-hmac-secret-of-at-least-32-bytes';
export const API_KEY = 'roomcast-js-tests-api-key';

/** The node settings (environment) that turn authentication on with SECRET and API_KEY. */
export const AUTH_ENV = { ROOMCAST_AUTH_HMAC_SECRET: SECRET, ROOMCAST_AUTH_API_KEYS: API_KEY };

const b64url = (s) => Buffer.from(s).toString('base64url');

/** A token for `user` (its `sub`) with the `roomcast` claim `rights` ({subscribe, publish, info}), valid an hour. */
export function token(user, rights = { subscribe: ['*'], publish: ['*'] }) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600, roomcast: rights }));
  const signature = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

/** Publishes through a node's HTTP API with the API key, as a backend would (`@alice` goes URL-encoded). */
export async function apiPublish(node, room, text, headers = {}) {
  const res = await fetch(`${node.httpUrl}/api/v1/rooms/${encodeURIComponent(room)}/messages`, {
    method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8', authorization: `Bearer ${API_KEY}`, ...headers }, body: text,
  });
  if (!res.ok) throw new Error(`HTTP publish to ${room} answered ${res.status}: ${await res.text()}`);
  return res.json();
}
