"""The FTP tool's `get`, in Python: `ftp_client.ts get NAME --out OUT` against the server of
`bench/python_put.py`, for the comparison in docs/PERFORMANCE.md. 1 MiB buffers, `hashlib`
(OpenSSL) MD5; the file is written under a temporary name and renamed once its MD5 matches.

    python3 bench/python_get.py PORT NAME OUT
"""

import hashlib
import os
import socket
import sys

from python_put import CHUNK, read_line


def get(port, name, out):
    conn = socket.create_connection(("127.0.0.1", port))
    read_line(conn)
    conn.sendall(f"get {name}\n".encode())
    size = int(read_line(conn))
    conn.sendall(b"ready to recv file 0\n")
    md5 = hashlib.md5()
    view = memoryview(bytearray(CHUNK))
    partial = out + ".part"
    received = 0
    with open(partial, "wb", buffering=0) as target:
        while received < size:
            n = conn.recv_into(view[: min(CHUNK, size - received)])
            if not n:
                raise ConnectionError("closed in the middle of the file")
            md5.update(view[:n])
            target.write(view[:n])
            received += n
    claimed = read_line(conn)
    if claimed != md5.hexdigest():
        sys.exit(f"MD5 mismatch: server {claimed}, received {md5.hexdigest()}")
    os.rename(partial, out)
    print(f"get {name}: {size} bytes, md5 {claimed}, verified")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python_get.py PORT NAME OUT")
    get(int(sys.argv[1]), sys.argv[2], sys.argv[3])
