#!/usr/bin/env python3
"""Opens N keep-alive HTTP connections to host:port, sends one request on each, keeps them
open, prints the server's RSS (from /proc/PID/status) once all are answered, then exits."""
import socket
import sys


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    host, port, path, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    socks = []
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    for _ in range(n):
        s = socket.create_connection((host, port))
        s.sendall(request)
        socks.append(s)
    answered = 0
    for s in socks:
        s.settimeout(10)
        data = s.recv(65536)
        if data.startswith(b"HTTP/1.1 200"):
            answered += 1
    print(f"{answered} {rss_kib(pid)}")
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
