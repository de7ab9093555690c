"""A real SMTP server for the notice tests (aiosmtpd on loopback).

Usage: python3 smtp_sink.py PORT DIR

Each accepted message is parsed with Python's email library and written to DIR as one
JSON file ({to, from, subject, message_id, text, html}), renamed into place so readers
never see half a file. A recipient listed in DIR/refuse (one address per line) is refused
with a permanent 550, as a mail server refuses an unknown mailbox. Prints "ready" once
listening.
"""

import asyncio
import email
import json
import os
import sys
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    def refused(self):
        try:
            with open(os.path.join(self.out, "refuse")) as f:
                return {line.strip().lower() for line in f if line.strip()}
        except FileNotFoundError:
            return set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused():
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "text": plain.get_content() if plain else None,
            "html": html.get_content() if html else None,
        }
        self.count += 1
        name = "%06d-%d.json" % (self.count, os.getpid())
        tmp = os.path.join(self.out, "." + name)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.out, name))
        return "250 2.0.0 accepted"


async def main(port, out):
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
