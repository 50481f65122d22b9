// A second, small relying party: a node HTTP server on a free loopback port that logs people in
// through Mina tjänster with openid-client, as a service of the agency would. It proves single sign-on
// from outside (tests/http/sso.test.js, tests/browser/sso.test.js).
//
//   GET /login     starts the code flow (PKCE S256, state, nonce kept in the RP's own cookie rp_tx)
//   GET /callback  redeems the code (openid-client validates the ID token), starts the RP's session
//   GET /me        who is logged in here: 200 JSON {sub, name, school, schools} or 401 {"logged_in":false};
//                  with Accept: text/html a small page ("Inloggad i <name> som <person>")
//   GET /logout    ends the RP's session and sends the browser to the provider's end_session_endpoint
//                  with id_token_hint and post_logout_redirect_uri /logged-out
//   GET /logged-out where the provider sends the browser back ("Utloggad", with the state it got)
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';

const cookiesOf = (req) => Object.fromEntries((req.headers.cookie ?? '').split(/;\s*/).filter(Boolean).map((c) => {
  const eq = c.indexOf('=');
  return [c.slice(0, eq), decodeURIComponent(c.slice(eq + 1))];
}));

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

/**
 * Starts the RP on 127.0.0.1 (a free port), then registers it through `register({ redirectUri,
 * postLogoutUri, initiateLoginUri, url })`, which returns { clientId, secret } (the test calls
 * `mina admin client add`), and discovers the provider at `issuer`.
 *
 * Returns { url, name, stop(), sessions (Map), config }.
 */
export async function startRp({ issuer, name = 'Testtjänsten', scope = 'openid profile schools', register }) {
  const sessions = new Map();  // rp_session id -> { claims, idToken }
  let config;
  let base;

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, base);
      const cookies = cookiesOf(req);
      if (url.pathname === '/login') {
        const tx = {
          verifier: client.randomPKCECodeVerifier(),
          state: client.randomState(),
          nonce: client.randomNonce(),
        };
        const to = client.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/callback`,
          scope,
          code_challenge: await client.calculatePKCECodeChallenge(tx.verifier),
          code_challenge_method: 'S256',
          state: tx.state,
          nonce: tx.nonce,
        });
        res.writeHead(302, {
          location: to.href,
          'set-cookie': `rp_tx=${encodeURIComponent(JSON.stringify(tx))}; HttpOnly; SameSite=Lax; Path=/; Max-Age=1800`,
        });
        return res.end();
      }
      if (url.pathname === '/callback') {
        const tx = cookies.rp_tx ? JSON.parse(cookies.rp_tx) : undefined;
        if (!tx) return page(res, 400, 'Ingen inloggning pågår', '<p>Börja om.</p>');
        let tokens;
        try {
          tokens = await client.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
          });
        } catch (e) {
          const detail = e?.error ?? e?.cause?.error ?? e?.code ?? '';
          return page(res, 400, 'Inloggningen misslyckades', `<p id="error">${escapeHtml(detail)} ${escapeHtml(e.message)}</p>`);
        }
        const id = randomBytes(24).toString('base64url');
        sessions.set(id, { claims: tokens.claims(), idToken: tokens.id_token, accessToken: tokens.access_token });
        res.writeHead(302, {
          location: '/me',
          'set-cookie': [
            `rp_session=${id}; HttpOnly; SameSite=Lax; Path=/`,
            'rp_tx=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0',
          ],
        });
        return res.end();
      }
      if (url.pathname === '/me') {
        const s = sessions.get(cookies.rp_session);
        const html = /text\/html/.test(req.headers.accept ?? '');
        if (!s) {
          if (html) return page(res, 401, `Inte inloggad i ${name}`, '<p><a href="/login">Logga in</a></p>');
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ logged_in: false }));
        }
        const { sub, name: person, school, schools } = s.claims;
        if (html) {
          return page(res, 200, `Inloggad i ${name}`,
            `<p id="who">Inloggad i ${escapeHtml(name)} som ${escapeHtml(person ?? sub)}</p>`
            + `<p id="school">${escapeHtml(school ?? '')}</p><p><a href="/logout">Logga ut</a></p>`);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ logged_in: true, sub, name: person, school, schools }));
      }
      if (url.pathname === '/logout') {
        const s = sessions.get(cookies.rp_session);
        sessions.delete(cookies.rp_session);
        const clear = 'rp_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0';
        if (!s) {
          res.writeHead(302, { location: '/logged-out', 'set-cookie': clear });
          return res.end();
        }
        const to = client.buildEndSessionUrl(config, {
          id_token_hint: s.idToken,
          post_logout_redirect_uri: `${base}/logged-out`,
          state: 'rp-logout',
        });
        res.writeHead(302, { location: to.href, 'set-cookie': clear });
        return res.end();
      }
      if (url.pathname === '/logged-out') {
        return page(res, 200, `Utloggad från ${name}`, `<p id="state">${escapeHtml(url.searchParams.get('state') ?? '')}</p>`);
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      return res.end(String(e?.stack ?? e));
    }
  });

  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${server.address().port}`;
  try {
    const { clientId, secret } = await register({
      url: base,
      redirectUri: `${base}/callback`,
      postLogoutUri: `${base}/logged-out`,
      initiateLoginUri: `${base}/login`,
    });
    config = await client.discovery(new URL(issuer), clientId, secret, client.ClientSecretBasic(secret),
      { execute: [client.allowInsecureRequests] });
  } catch (e) {
    server.close();
    throw e;
  }
  return {
    url: base,
    name,
    sessions,
    get config() {
      return config;
    },
    stop: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
