// Days relative to today and valid Swedish personal identity numbers, for the tests over HTTP and in
// the browser. "Today" is the day in Stockholm (portal.time_zone's default), as the server's rules and
// filters take it: between midnight in Stockholm and midnight UTC the two days differ.

export const DAY_MS = 86_400_000;
/** Today in Stockholm, YYYY-MM-DD, by Node's own ICU. */
export const stockholmToday = () => new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit',
}).format(new Date());
/** Today in Stockholm as the UTC midnight of that day, in milliseconds. */
export const TODAY = Date.parse(`${stockholmToday()}T00:00:00Z`);
export const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
/** Today + n days, YYYY-MM-DD. */
export const day = (n) => iso(TODAY + n * DAY_MS);

/** The Luhn check digit over the nine digits YYMMDDNNN (domain-csn.md §3). */
export function checkDigit(nine) {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const p = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    sum += p > 9 ? p - 9 : p;
  }
  return (10 - (sum % 10)) % 10;
}

/** A valid number YYMMDD-NNNC for the birth day `base` + seq days (distinct per seq); wrongCheck: the
 *  check digit off by one. */
export function pnr(base, seq, { wrongCheck = false } = {}) {
  const d = iso(Date.parse(base) + seq * DAY_MS);
  const six = d.slice(2, 4) + d.slice(5, 7) + d.slice(8, 10);
  const nnn = String(100 + (seq % 800)).padStart(3, '0');
  let c = checkDigit(six + nnn);
  if (wrongCheck) c = (c + 1) % 10;
  return `${six}-${nnn}${c}`;
}
