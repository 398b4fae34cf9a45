#!/usr/bin/env python3
"""Stands in for systemd's notification socket (sd_notify(3)): binds a unix datagram
socket at PATH and appends every datagram it receives to OUTFILE, one assignment per line
(READY=1, STATUS=..., STOPPING=1, ...). Standard library only. Runs until killed.

  notify_listen.py PATH OUTFILE
"""
import os
import socket
import sys


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, outfile = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(outfile, "a", buffering=1) as out:
        while True:
            data = s.recv(65536)
            for line in data.decode(errors="replace").splitlines():
                out.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
