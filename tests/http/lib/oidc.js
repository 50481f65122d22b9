// Helpers for the OpenID Provider's tests (issue [11]): a server whose issuer is the URL the tests
// open, services registered with the CLI, openid-client configured for them, and a cookie-keeping
// "browser" that follows redirects across the provider and a relying party.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import * as client from 'openid-client';
import { startServer, mina, Client } from '../harness.js';

/** A free loopback port (the kernel's choice; closed again at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The harness's server, on a port chosen before it starts, so that server.public_url (the issuer)
 * is the very URL the tests open: http://127.0.0.1:PORT. Retries when another process took the port
 * between the choice and the server's bind.
 */
export async function startOidcServer(extraEnv = {}, prefix = 'mina-oidc-') {
  let last;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      const srv = await startServer({
        MINA_SERVER_LISTEN: `127.0.0.1:${port}`,
        MINA_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
        ...extraEnv,
      }, prefix);
      assert.equal(srv.port, port);
      return srv;
    } catch (e) {
      last = e;
      if (!/address already in use|bind/i.test(String(e.message))) throw e;
    }
  }
  throw last;
}

/**
 * `mina admin client add`: registers a service. Returns { id, secret } (secret: the last line of the
 * output, or undefined for --public). `jwks`: a JWKS object written to a file for --jwks.
 */
export function addClient(srv, { id, name = id, redirectUris, postLogoutUris = [], isPublic = false, jwks, idTokenAlg, initiateLoginUri } = {}) {
  const args = ['admin', 'client', 'add', '--id', id, '--name', name];
  for (const u of redirectUris) args.push('--redirect-uri', u);
  for (const u of postLogoutUris) args.push('--post-logout-uri', u);
  if (isPublic) args.push('--public');
  if (jwks) {
    const file = join(srv.dir, `${id}.jwks.json`);
    writeFileSync(file, JSON.stringify(jwks));
    args.push('--jwks', file);
  }
  if (idTokenAlg) args.push('--id-token-alg', idTokenAlg);
  if (initiateLoginUri) args.push('--initiate-login-uri', initiateLoginUri);
  const r = mina(args, srv.env);
  if (r.status !== 0) throw new Error(`mina ${args.join(' ')}: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()?.trim();
  return { id, secret: isPublic ? undefined : last, stdout: r.stdout };
}

/**
 * openid-client's Configuration for a registered service, by discovery of the server's issuer.
 * `auth`: a ClientAuth (client.ClientSecretBasic(secret), …); `metadata`: extra client metadata.
 */
export function configure(srv, clientId, auth, metadata = {}) {
  return client.discovery(new URL(srv.url), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });
}

/** base64url of a JSON value (or a Buffer). */
export const b64url = (v) => Buffer.from(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)).toString('base64url');

/** The header and payload of a compact JWS, unverified. */
export function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

/**
 * A browser for two or more origins: the provider through the harness's Client (its cookies, its
 * CSRF helpers), every other origin with a cookie jar of its own. Never follows a redirect by itself;
 * follow() does, hop by hop, and records every URL it passed.
 */
export class Browser {
  constructor(srv, headers = {}) {
    this.srv = srv;
    this.mina = new Client(srv, headers);
    this.jars = new Map();  // origin -> Map(name -> value)
    this.headers = headers;
  }

  /** One request to an absolute URL (or a path on the provider). */
  async request(method, url, opts = {}) {
    const u = new URL(url, this.srv.url);
    if (u.origin === new URL(this.srv.url).origin) {
      const r = await this.mina.request(method, u.pathname + u.search, opts);
      return { ...r, url: u.href };
    }
    const jar = this.jars.get(u.origin) ?? new Map();
    this.jars.set(u.origin, jar);
    const h = { ...this.headers, ...(opts.headers ?? {}) };
    if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(u, { method, headers: h, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /Max-Age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location'), url: u.href };
  }

  get(url, opts) {
    return this.request('GET', url, opts);
  }

  /**
   * GET `url` and follow redirects (at most `max`) while `until(nextUrl)` is false. Returns the last
   * response, with `trail` (every URL requested) and `next` (the absolute URL of the Location not
   * followed, if any).
   */
  async follow(url, { until = () => false, max = 10 } = {}) {
    const trail = [];
    let current = new URL(url, this.srv.url).href;
    for (let i = 0; ; i++) {
      trail.push(current);
      const r = await this.get(current);
      if (!r.location || r.status < 300 || r.status > 399) return { ...r, trail };
      const next = new URL(r.location, current).href;
      if (until(next) || i + 1 >= max) return { ...r, trail, next };
      current = next;
    }
  }
}

/** A PKCE pair, a state and a nonce, for one authorization request. */
export async function transaction() {
  const verifier = client.randomPKCECodeVerifier();
  return {
    verifier,
    challenge: await client.calculatePKCECodeChallenge(verifier),
    state: client.randomState(),
    nonce: client.randomNonce(),
  };
}

/**
 * The authorization URL for `config` with PKCE S256, state and nonce (and `extra` parameters: scope,
 * prompt, max_age, or an override of any of them).
 */
export function authorizationUrl(config, tx, redirectUri, extra = {}) {
  return client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: tx.challenge,
    code_challenge_method: 'S256',
    state: tx.state,
    nonce: tx.nonce,
    ...extra,
  });
}

export { client };
