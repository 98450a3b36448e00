"""The FTP tool's `put`, in Python, and the server of both directions: the comparison in
docs/PERFORMANCE.md (`bench/python_get.py` is the matching `get` client).

The same bytes on the wire as `ftp_client.ts put` / `ftp_server.ts` for a fresh upload
(welcome, `put NAME SIZE`, offset 0, the data, the MD5 line, the reply) and for a fresh
download (`get NAME`, the size, `ready to recv file 0`, the data, the MD5 line), 1 MiB
buffers, `hashlib` (OpenSSL) MD5, one thread per side. No resume, jail or error handling: it
only measures what a plain Python loop costs on this machine.

    python3 bench/python_put.py server DIR        # prints its port, serves DIR
    python3 bench/python_put.py client PORT FILE  # uploads FILE, prints the server's reply
"""

import hashlib
import os
import socket
import sys

CHUNK = 1 << 20


def read_line(conn):
    line = b""
    while not line.endswith(b"\n"):
        byte = conn.recv(1)
        if not byte:
            raise ConnectionError("closed in the middle of a line")
        line += byte
    return line[:-1].decode()


def serve(root):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print(listener.getsockname()[1], flush=True)
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while True:
        conn, _ = listener.accept()
        conn.sendall("欢迎登陆FTP系统\n".encode())
        command, rest = read_line(conn).split(" ", 1)
        if command == "get":
            send_file(conn, os.path.join(root, rest), view)
            conn.close()
            continue
        name, size = rest.rsplit(" ", 1)
        size = int(size)
        conn.sendall(b"0\n")
        md5 = hashlib.md5()
        partial = os.path.join(root, name + ".part")
        with open(partial, "wb") as out:
            received = 0
            while received < size:
                n = conn.recv_into(view[: min(CHUNK, size - received)])
                if not n:
                    break
                md5.update(view[:n])
                out.write(view[:n])
                received += n
        claimed = read_line(conn)
        if claimed == md5.hexdigest():
            os.rename(partial, os.path.join(root, name))
        conn.sendall(("file MD5(after send):" + md5.hexdigest() + "\n").encode())
        conn.close()


def send_file(conn, path, view):
    conn.sendall(f"{os.path.getsize(path)}\n".encode())
    read_line(conn)  # ready to recv file 0
    md5 = hashlib.md5()
    with open(path, "rb", buffering=0) as source:
        while n := source.readinto(view):
            md5.update(view[:n])
            conn.sendall(view[:n])
    conn.sendall((md5.hexdigest() + "\n").encode())


def put(port, path):
    conn = socket.create_connection(("127.0.0.1", port))
    read_line(conn)
    conn.sendall(f"put {os.path.basename(path)} {os.path.getsize(path)}\n".encode())
    read_line(conn)
    md5 = hashlib.md5()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as source:
        while n := source.readinto(buffer):
            md5.update(view[:n])
            conn.sendall(view[:n])
    conn.sendall((md5.hexdigest() + "\n").encode())
    print(read_line(conn))


if __name__ == "__main__":
    if sys.argv[1:2] == ["server"] and len(sys.argv) == 3:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["client"] and len(sys.argv) == 4:
        put(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: python_put.py server DIR | client PORT FILE")
