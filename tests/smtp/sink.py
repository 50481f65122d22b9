#!/usr/bin/python3
"""A real SMTP server for the tests: stores every accepted message as DIR/NNNNNN.json.

    /usr/bin/python3 tests/smtp/sink.py --port PORT --dir DIR [--host 127.0.0.1]

PORT 0 picks a free port. When ready it prints one line, "listening on HOST:PORT", to stdout.

Each message is decoded with Python's email package and written atomically (a temporary file, then
a rename) with the fields mail_from, rcpt_tos, from, to, subject, text, html, headers and raw
(text and html decoded, with LF line ends; html is null when there is no HTML part).

Failure injection: when DIR/.reply exists, its first line (say "451 Try later" or "550 No such
user") is the answer to the end of DATA, and nothing is stored. A line starting with "RCPT " (as in
"RCPT 550 No such user") answers RCPT instead. The file is read for every message, so a test can
change it while the server runs. Stops cleanly on SIGTERM and SIGINT.

Needs Debian's python3-aiosmtpd, hence /usr/bin/python3 rather than whatever python3 is on PATH.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import re
import signal
import sys

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.exit("sink.py: the aiosmtpd module is missing: install python3-aiosmtpd (scripts/install-deps.sh)")

REPLY_RE = re.compile(r"^(RCPT |DATA )?([45]\d\d)( .*)?$")


class Sink:
    def __init__(self, directory):
        self.dir = directory
        self.counter = self._last_number()

    def _last_number(self):
        # A restarted sink on the same directory goes on counting, so names stay in arrival order.
        numbers = [int(n[:6]) for n in os.listdir(self.dir) if re.fullmatch(r"\d{6}\.json", n)]
        return max(numbers, default=0)

    def _injected(self, stage):
        """The reply the test asked for at this stage ("RCPT" or "DATA"), or None."""
        try:
            with open(os.path.join(self.dir, ".reply"), encoding="utf-8") as f:
                line = f.readline().strip()
        except FileNotFoundError:
            return None
        m = REPLY_RE.match(line)
        if not m:
            return "451 sink.py: cannot understand .reply: " + line[:80]
        wanted = (m.group(1) or "DATA ").strip()
        return m.group(2) + (m.group(3) or "") if wanted == stage else None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._injected("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._injected("DATA")
        if reply:
            return reply
        self.counter += 1
        name = "%06d" % self.counter
        record = decode(envelope)
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.dir, name + ".json"))
        return "250 OK: stored as " + name


def part_text(msg, subtype):
    body = msg.get_body(preferencelist=(subtype,))
    # The wire's CRLF line ends are not what a test means by a line.
    return None if body is None else body.get_content().replace("\r\n", "\n")


def decode(envelope):
    raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
    record = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "raw": raw.decode("utf-8", errors="replace"),
    }
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {}
        for name, value in msg.raw_items():
            headers.setdefault(name, value)
        record.update({
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "subject": str(msg.get("Subject", "")),
            "text": part_text(msg, "plain"),
            "html": part_text(msg, "html"),
            "headers": headers,
        })
    except Exception as e:  # a test that sends garbage still wants to see what arrived
        record["error"] = "%s: %s" % (type(e).__name__, e)
    return record


async def serve(args):
    loop = asyncio.get_running_loop()
    sink = Sink(args.dir)
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", loop=loop), host=args.host, port=args.port, reuse_address=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    port = server.sockets[0].getsockname()[1]
    print("listening on %s:%d" % (args.host, port), flush=True)
    await stop
    server.close()
    try:  # an idle client must not keep the sink alive
        await asyncio.wait_for(server.wait_closed(), 2)
    except asyncio.TimeoutError:
        pass


def main():
    p = argparse.ArgumentParser(description="SMTP sink for the Mina tests")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
