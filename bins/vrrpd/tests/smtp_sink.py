#!/usr/bin/python3
"""An SMTP sink for vrrpd's alert tests: every message it accepts becomes
one JSON file in OUTDIR (HELO name, envelope, and the DATA bytes exactly as
received, line endings included).

usage: smtp_sink.py ADDRESS PORT OUTDIR
"""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = {
            "helo": session.host_name,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.outdir, "mail-%04d.json" % self.count)
        # Written then renamed, so a reader never sees half a message.
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


async def main(address, port, outdir):
    os.makedirs(outdir, exist_ok=True)
    handler = Handler(outdir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.lab"), address, port
    )
    print("smtp sink listening on %s:%d" % (address, port), flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
