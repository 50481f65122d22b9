// A real SMTP server for the HTTP tests: starts tests/smtp/sink.py and reads the mails it stored.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Debian's python3 has aiosmtpd; a pyenv python3 earlier on PATH does not.
export const PYTHON = '/usr/bin/python3';
export const SINK = join(root, 'tests', 'smtp', 'sink.py');

// Sinks still running when the test process ends would outlive it: end them with it.
const running = new Set();
process.on('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Starts sink.py and resolves with { proc, port } once it prints its "listening on" line. */
function launch(port, dir, logs) {
  return new Promise((resolve, reject) => {
    const proc = spawn(PYTHON, [SINK, '--port', String(port), '--dir', dir, '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`SMTP sink did not start within 10 s:\n${logs.text}`));
    }, 10_000);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${PYTHON} ${SINK}: ${e.message} (install python3-aiosmtpd)`));
    });
    proc.stderr.on('data', (d) => (logs.text += d));
    proc.stdout.on('data', (d) => {
      out += d;
      logs.text += d;
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      clearTimeout(timer);
      reject(new Error(`SMTP sink exited (code ${code}, signal ${signal}) before listening:\n${logs.text}`));
    });
    running.add(proc);
  });
}

/** Sends SIGTERM and waits for the exit; SIGKILL after 5 s. Resolves with { code, signal }. */
async function terminate(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  proc.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(null), 5_000); });
  const r = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (r !== null) return r;
  proc.kill('SIGKILL');
  return exited;
}

const describe = (mail, i) =>
  `  #${i + 1} ${mail.file}: to ${mail.to || mail.rcpt_tos} subject ${JSON.stringify(mail.subject)}`;

/**
 * Starts an SMTP sink on 127.0.0.1 (port 0: a free one) storing into `dir` (default: a new temporary
 * directory). Resolves with:
 *   port, url ("smtp://127.0.0.1:<port>"), dir
 *   mails()                         every stored mail, oldest first, as parsed JSON (+ `file`)
 *   waitForMail(pred, timeoutMs)    the first mail with pred(mail, index) true, polling the dir
 *   setReply(text | null)           "451 Try later" / "550 No such user" answers DATA instead of storing
 *                                   ("RCPT 550 ..." answers RCPT); null: accept again
 *   stop()                          SIGTERM and wait for the exit; the dir stays
 *   restart()                       start again on the same port and dir
 *   dispose()                       stop, and remove the dir if startSmtp created it
 *   log()                           what the sink printed
 */
export async function startSmtp({ port = 0, dir } = {}) {
  const ownDir = !dir;
  const mailDir = dir ?? mkdtempSync(join(tmpdir(), 'mina-smtp-'));
  const logs = { text: '' };
  let { proc, port: actual } = await launch(port, mailDir, logs);

  const sink = {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    dir: mailDir,
    log: () => logs.text,
    mails() {
      if (!existsSync(mailDir)) return [];
      return readdirSync(mailDir)
        .filter((f) => /^\d{6}\.json$/.test(f))
        .sort()
        .map((f) => ({ ...JSON.parse(readFileSync(join(mailDir, f), 'utf8')), file: f }));
    },
    async waitForMail(predicate = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = sink.mails();
        const i = all.findIndex((m, k) => predicate(m, k));
        if (i >= 0) return all[i];
        if (Date.now() >= deadline) {
          const arrived = all.length ? all.map(describe).join('\n') : '  (nothing)';
          throw new Error(`no mail matching ${predicate} within ${timeoutMs} ms; arrived in ${mailDir}:\n${arrived}` +
            `\nsink log:\n${logs.text}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    setReply(text) {
      const file = join(mailDir, '.reply');
      if (text === null || text === undefined) rmSync(file, { force: true });
      else writeFileSync(file, `${text}\n`);
    },
    async stop() {
      return terminate(proc);
    },
    async restart() {
      await terminate(proc);
      ({ proc } = await launch(actual, mailDir, logs));
    },
    async dispose() {
      await terminate(proc);
      if (ownDir) rmSync(mailDir, { recursive: true, force: true });
    },
  };
  return sink;
}

/**
 * The one-time password in a mail (or a text): the rest of the line "Engångslösenord: <otp>" or
 * "One-time password: <otp>", trimmed; null if there is none.
 */
export function otpFrom(mail) {
  const text = typeof mail === 'string' ? mail : mail?.text ?? '';
  const m = text.match(/^[ \t]*(?:Engångslösenord|One-time password):[ \t]*(.*?)[ \t\r]*$/m);
  return m && m[1] !== '' ? m[1] : null;
}
