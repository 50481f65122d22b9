// The statistics page over real HTTP ([10] item 6): reports per week, logins and locked accounts per
// day, and mail by state, each a picture (inline SVG named in words) with a table of the same figures,
// counted from real events: logins, an account locked by wrong passwords, reports by form and by the
// core, mail sent through a real SMTP server. For every school, and per school; the agency chooses,
// a school's authorization administrator sees their own school only; a reporter sees nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, mina, eventually, DEMO_PASSWORD } from './harness.js';
import { startSmtp } from './smtp.js';
import { day, pnr, stockholmToday } from './days.js';

let srv;
let smtp;
let agencyName;
let lars;
const PAGE = '/identity-manager/statistik';
const BASE = '/tjanster/studeranderapportering';

const count = (q) => Number(sql(srv.db, q)[0][0]);

/** ISO 8601 week number of today in Stockholm. */
function isoWeekToday() {
  const d = new Date(`${stockholmToday()}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7;  // Monday 0
  d.setUTCDate(d.getUTCDate() - weekday + 3);  // that week's Thursday
  const jan1 = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return Math.floor((d - jan1) / 86_400_000 / 7) + 1;
}

async function login(username, headers = {}) {
  const c = new Client(srv, headers);
  assert.equal((await c.login(username)).status, 303, `login ${username}`);
  return c;
}

/** A table of the page by its id: rows of [label, ...figures]. */
function table(html, id) {
  const m = html.match(new RegExp(`<table class="stats-table" id="${id}">([\\s\\S]*?)</table>`));
  assert.ok(m, `table ${id}`);
  return [...m[1].matchAll(/<tr><th scope="row">([^<]*)<\/th>((?:<td>\d+<\/td>)+)<\/tr>/g)]
    .map((r) => [r[1], ...[...r[2].matchAll(/<td>(\d+)<\/td>/g)].map((x) => Number(x[1]))]);
}
/** The accessible name of a chart: its <title>, which aria-labelledby names. */
function chartName(html, id) {
  const svg = html.match(new RegExp(`<svg [^>]*aria-labelledby="${id}-title"[^>]*id="${id}"[^>]*>`));
  assert.ok(svg, `the chart ${id} is an image named by its title`);
  assert.match(svg[0], /role="img"/);
  return html.match(new RegExp(`<title id="${id}-title">([^<]*)</title>`))[1];
}
function figures(html) {
  const days = table(html, 'table-days');
  const today = days[days.length - 1];
  const weeks = table(html, 'table-reports');
  const mail = Object.fromEntries(table(html, 'table-mail').map(([label, n]) => [label, n]));
  return { days, weeks, logins: today[1], locks: today[2], reports: weeks[weeks.length - 1][1], mail };
}
const loginsOf = (users) =>
  count(`SELECT count(*) FROM audit_log WHERE kind = 'login.success' AND subject IN (${users.map((u) => `'${u}'`).join(',')})`);
const mailOf = (status, school) =>
  count(`SELECT count(*) FROM outbox WHERE status = '${status}'${school ? ` AND person_id IN (SELECT person_id FROM grants WHERE school_code = '${school}')` : ''}`);

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ MINA_MAIL_SMTP_URL: smtp.url, MINA_MAIL_POLL_INTERVAL: '1s' });
  const run = (args, input) => {
    const r = mina(args, srv.env, input);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim().split('\n').pop();
  };
  // Reports made by the core (three students at Demoskolan), and the agency's administrator.
  run(['admin', 'demo', '--with-reports']);
  agencyName = run(['admin', 'person', 'add', '--first', 'Agda', '--last', 'Verket', '--email', 'agda.verket@example.se']);
  run(['admin', 'person', 'set-password', '--username', agencyName], `${DEMO_PASSWORD}\n`);
  run(['admin', 'grant', '--username', agencyName, '--role', 'agency-admin']);
  // Lars works at Exempelhögskolan only.
  lars = run(['admin', 'person', 'add', '--first', 'Lars', '--last', 'Låsberg', '--email', 'lars.lasberg@example.se']);
  run(['admin', 'person', 'set-password', '--username', lars], `${DEMO_PASSWORD}\n`);
  run(['admin', 'grant', '--username', lars, '--school', 'DEMO2', '--role', 'studietider']);

  // Logins: Pelle twice (Demoskolan and Exempelhögskolan), Anna once (Demoskolan), Lars once.
  await login(srv.pelle);
  const pelle = await login(srv.pelle);
  await login(srv.anna);
  await login(lars);
  // Lars's account is locked by wrong passwords: the lock's mail goes out at once.
  for (let i = 1; i <= 4; i++) assert.equal((await new Client(srv).login(lars, `fel-${i}`)).status, 422);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'account.locked' AND subject = '${lars}'`), 1);
  // Two more reports by form at Demoskolan.
  assert.equal((await pelle.submit('/start', '/skola', { skola: 'DEMO1' })).status, 303);
  const csrf = Client.csrf((await pelle.get(BASE)).text);
  for (const seq of [1, 2]) {
    const r = await pelle.post(`${BASE}/rapport`, {
      csrf, personnummer: pnr('1990-03-01', seq), utbildning: 'EK-DEMO', studieperiod: 'DEMO', stodform: 'studiemedel',
      handelse: 'studiestart', datum: day(-50),
    });
    assert.equal(r.status, 303, `the report is saved: ${r.text.slice(0, 300)}`);
  }
  await eventually('the lock mail is sent', () => mailOf('sent') >= 1);
});
after(async () => {
  await srv?.stop();
  await smtp?.dispose();
});

test('the agency sees every school together: the tables hold the counts, each picture says its highest in words', async () => {
  const c = await login(agencyName);
  const page = await c.get(PAGE);
  assert.equal(page.status, 200);
  assert.match(page.text, /<h1>Statistik: Alla skolor<\/h1>/);
  assert.match(page.text, /vad som har hänt för alla skolor\./, "\"alla skolor\" small inside the sentence");
  const reports = count('SELECT count(*) FROM report_events');
  assert.ok(reports >= 5, `the demo's and the form's reports: ${reports}`);
  await eventually('the figures are the database\'s', async () => {
    const f = figures((await c.get(PAGE)).text);
    assert.equal(f.weeks.length, 12, 'the last 12 weeks');
    assert.equal(f.days.length, 30, 'the last 30 days');
    assert.equal(f.reports, reports, 'every report arrived this week');
    assert.equal(f.weeks.slice(0, 11).reduce((s, w) => s + w[1], 0), 0);
    assert.equal(f.logins, count("SELECT count(*) FROM audit_log WHERE kind = 'login.success'"));
    assert.equal(f.locks, 1);
    assert.deepEqual(f.mail, { Skickade: mailOf('sent'), Väntar: mailOf('pending'), Misslyckades: mailOf('failed') });
    assert.ok(f.mail.Skickade >= 1, JSON.stringify(f.mail));
    return true;
  });
  const html = (await c.get(PAGE)).text;
  const f = figures(html);
  const week = isoWeekToday();
  assert.equal(f.weeks[11][0].startsWith(`Vecka ${week} (`), true, f.weeks[11][0]);
  assert.match(chartName(html, 'chart-reports'), new RegExp(`^Rapporter per vecka, vecka \\d+–${week}: högst ${reports} vecka ${week}$`));
  assert.match(chartName(html, 'chart-logins'), new RegExp(`^Inloggningar per dag, .+: högst ${f.logins} den \\d+ \\w+ \\d{4}$`));
  assert.match(chartName(html, 'chart-locks'), /^Låsta konton per dag, .+: högst 1 den /);
  assert.equal(chartName(html, 'chart-mail'),
    `E-postmeddelanden de senaste 30 dagarna: ${f.mail.Skickade} skickade, ${f.mail.Väntar} väntar, ${f.mail.Misslyckades} misslyckades`);
  assert.match(html, /<caption>Rapporter per vecka, vecka/, 'the table says what it holds');
  assert.match(html, /<summary>Visa som tabell/);
  assert.match(html, /<option value="" selected>Alla skolor<\/option>/);
  assert.match(html, /<option value="DEMO2">Exempelhögskolan \(DEMO2\)<\/option>/);
  assert.match(html, /personer som har behörighet på skolan nu/, 'the help says how a login is tied to a school');
});

test('per school: a login and a lock count where the person holds a grant, reports where they were sent', async () => {
  const c = await login(agencyName);
  const demo1 = figures((await c.get(`${PAGE}?kod=DEMO1`)).text);
  assert.equal(demo1.reports, count("SELECT count(*) FROM report_events WHERE school_code = 'DEMO1'"));
  assert.equal(demo1.logins, loginsOf([srv.pelle, srv.anna]), 'Pelle and Anna work at Demoskolan; Lars and Agda do not');
  assert.equal(demo1.locks, 0, "Lars's lock is Exempelhögskolan's");
  assert.deepEqual(demo1.mail, { Skickade: mailOf('sent', 'DEMO1'), Väntar: mailOf('pending', 'DEMO1'), Misslyckades: mailOf('failed', 'DEMO1') });

  const page2 = (await c.get(`${PAGE}?kod=DEMO2`)).text;
  assert.match(page2, /<h1>Statistik: Exempelhögskolan<\/h1>/);
  const demo2 = figures(page2);
  assert.equal(demo2.reports, 0);
  assert.equal(demo2.logins, loginsOf([srv.pelle, lars]));
  assert.equal(demo2.locks, 1);
  assert.equal(demo2.mail.Väntar, mailOf('pending', 'DEMO2'));
  assert.ok(demo2.mail.Skickade >= 1, "the lock's mail to Lars");
  assert.match(chartName(page2, 'chart-reports'), /^Rapporter per vecka, vecka \d+–\d+: inga rapporter ännu$/);
  assert.match(page2, />Inga rapporter ännu<\/text>/, 'the empty chart says so');

  assert.equal((await c.get(`${PAGE}?kod=FINNS-EJ`)).status, 404);
});

test("a school admin sees their own school only; another school's code is 403; a reporter is refused", async () => {
  const anna = await login(srv.anna);
  const own = await anna.get(PAGE);
  assert.equal(own.status, 200);
  assert.match(own.text, /<h1>Statistik: Demoskolan<\/h1>/);
  assert.doesNotMatch(own.text, /Alla skolor<\/option>|DEMO2/, 'no other school is offered');
  assert.equal(figures(own.text).logins, loginsOf([srv.pelle, srv.anna]));
  assert.equal((await anna.get(`${PAGE}?kod=DEMO1`)).status, 200);
  const refused = count("SELECT count(*) FROM audit_log WHERE kind = 'access.refused'");
  const other = await anna.get(`${PAGE}?kod=DEMO2`);
  assert.equal(other.status, 403);
  assert.doesNotMatch(other.text, /Exempelhögskolan/);
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'access.refused'"), refused + 1, 'the refusal is audited');
  assert.equal((await anna.get(`${PAGE}?kod=FINNS-EJ`)).status, 403, 'a code outside the scope says nothing of whether it exists');

  const pelle = await login(srv.pelle);
  assert.equal((await pelle.get(PAGE)).status, 403);
  assert.equal((await pelle.get(`${PAGE}?kod=DEMO1`)).status, 403);
});

test('the Identity Manager links to the page; in English the pictures and tables speak English', async () => {
  const anna = await login(srv.anna);
  assert.match((await anna.get('/identity-manager/skola?kod=DEMO1')).text, /<a href="\/identity-manager\/statistik\?kod=DEMO1">Statistik<\/a>/);
  const agency = await login(agencyName);
  assert.match((await agency.get('/identity-manager')).text, /<a href="\/identity-manager\/statistik">Statistik<\/a>/);
  const en = await login(agencyName, { 'accept-language': 'en' });
  const html = (await en.get(`${PAGE}?kod=DEMO2`)).text;
  assert.match(html, /<h1>Statistics: Exempelhögskolan<\/h1>/);
  assert.match(chartName(html, 'chart-reports'), /^Reports per week, week \d+–\d+: no reports yet$/);
  assert.match(chartName(html, 'chart-locks'), /^Locked accounts per day, .+: at most 1 on \d+ [A-Z]\w+ \d{4}$/);
  assert.deepEqual(Object.keys(figures(html).mail), ['Sent', 'Waiting', 'Failed']);
});
