"""The loopback traffic behind eve.json (see PROVENANCE.md): an SSH banner exchange (a libssh client, an
OpenSSH-like server) and two HTTP requests to a tiny server, the second with a header line without a colon
and a bad chunk length (Suricata app-layer anomalies). Usage: traffic.py SSH_PORT HTTP_PORT."""

import socket
import sys
import threading
import time

SSH_PORT, HTTP_PORT = int(sys.argv[1]), int(sys.argv[2])


def listen(port: int) -> socket.socket:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    return server


def ssh_server() -> None:
    server = listen(SSH_PORT)
    conn, _ = server.accept()
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    conn.recv(4096)
    time.sleep(0.2)
    conn.close()
    server.close()


def http_server() -> None:
    server = listen(HTTP_PORT)
    body = "Không tìm thấy trang".encode()
    for _ in range(2):
        conn, _ = server.accept()
        conn.recv(65536)
        head = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
        conn.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(0.2)
        conn.close()
    server.close()


def send(port: int, data: bytes) -> None:
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(data)
    print(conn.recv(4096))
    time.sleep(0.3)
    conn.close()


for target in (ssh_server, http_server):
    threading.Thread(target=target, daemon=True).start()
time.sleep(0.5)
send(SSH_PORT, b"SSH-2.0-libssh_0.9.6\r\n")
send(
    HTTP_PORT,
    b"GET /wp-login.php?redirect_to=%2Fwp-admin HTTP/1.1\r\nHost: cong-thong-tin.example.vn\r\n"
    b"User-Agent: Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)\r\n"
    b"Accept: */*\r\n\r\n",
)
send(
    HTTP_PORT,
    b"POST /cgi-bin/upload HTTP/1.1\r\nHost: cong-thong-tin.example.vn\r\nThis is not a header\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
)
time.sleep(0.5)
