// The steps the Studietider tests share: Pelle (studietider at DEMO1 and DEMO2) with a school
// chosen, an education and a study period saved through the school's forms, the school file's heading.
import assert from 'node:assert/strict';
import { Client } from './harness.js';

export const BASE = '/tjanster/studietider';
export const HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';

/** Pelle logged in on `srv` with `school` chosen. */
export async function pelleAt(srv, school = 'DEMO1') {
  const c = new Client(srv);
  assert.equal((await c.login(srv.pelle)).status, 303);
  assert.equal((await c.submit('/start', '/skola', { skola: school })).status, 303);
  return c;
}
export async function newEducation(c, fields) {
  return c.submit(BASE, `${BASE}/utbildning/ny`, { niva: 'eftergymnasial', enhet: 'hp', ...fields });
}
export async function savePeriod(c, code, fields) {
  return c.submit(`${BASE}/utbildning?kod=${code}`, `${BASE}/studietid`, { kod: code, ...fields });
}
