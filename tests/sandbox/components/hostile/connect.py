"""Try to open a TCP connection to each port given on 127.0.0.1."""

import socket
import sys

from report import attempt

out, *ports = sys.argv[1:]


def connect(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as connection:
        return f"connected to {connection.getpeername()}"


for port in ports:
    attempt(out, f"connect {port}", lambda port=port: connect(int(port)))
