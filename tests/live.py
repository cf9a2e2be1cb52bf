"""Reading the running processes from outside: live state, metrics, viewers that stop reading."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.frames import messages_in
from tests.processes import Cluster
from tests.waiting import until


async def read_until(socket, predicate, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = await asyncio.wait_for(socket.recv(), max(0.01, deadline - time.monotonic()))
        for message in messages_in(frame):
            if predicate(message):
                return message


async def wait_live(cluster: Cluster, timeout: float = 20) -> None:
    await until(lambda: b"live" in (cluster.redis.get("betcore-feed:status") or b""), timeout, "the feed live")


class StalledViewer:
    """A widget socket from a phone that stopped reading: tiny receive buffer, never reads."""

    def __init__(self, port: int, widget_id: str, tls: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        if tls:
            self.sock = insecure_tls().wrap_socket(self.sock, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /ws/w/{widget_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {'https' if tls else 'http'}://127.0.0.1:{port}\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)  # byte by byte: leave the frames after it unread
        assert head.startswith(b"HTTP/1.1 101"), head
        self.buffer = b""

    def send_text(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def read_messages(self, seconds: float) -> list[dict]:
        """Read for a while and decode every whole server frame (unmasked text frames)."""
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.buffer += self.sock.recv(1 << 16)
            except (TimeoutError, ssl.SSLWantReadError):
                pass
        messages = []
        for first_byte, payload in self.whole_frames():
            assert first_byte == 0x81, "only whole text frames, in order"
            messages.extend(messages_in(payload))
        return messages

    def whole_frames(self) -> list[tuple[int, bytes]]:
        """Take every whole server frame (unmasked) off the buffer: (first byte, payload)."""
        frames = []
        while len(self.buffer) >= 2:
            length, start = self.buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(self.buffer[2:4]), 4
            elif length == 127:
                length, start = int.from_bytes(self.buffer[2:10]), 10
            if len(self.buffer) < start + length:
                break
            frames.append((self.buffer[0], self.buffer[start : start + length]))
            self.buffer = self.buffer[start + length :]
        return frames


def insecure_tls() -> ssl.SSLContext:
    """A client TLS context that accepts the test's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def scrape(port: int, tls: bool = False) -> dict[str, float]:
    """Unlabelled samples of the web process's /metrics, plus labelled ones as name{label=value}."""
    scheme = "https" if tls else "http"
    text = requests.get(f"{scheme}://127.0.0.1:{port}/metrics", timeout=5, verify=False).text
    figures = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            figures[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return figures


def kernel_send_queues(port: int) -> list[int]:
    """Bytes the kernel holds for each established connection of the web process (ss's Send-Q)."""
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True)
    return [int(line.split()[1]) for line in out.stdout.splitlines() if line.strip()]


@dataclass
class StallPeaks:
    queued: float = 0.0  # the most the web process held for all the stalled viewers at once, in bytes
    kernel: int = 0  # the largest kernel send queue of one of its sockets, in bytes


async def keep_stalled(
    viewers: list[StalledViewer], port: int, tls: bool = False, after_dropping: float = 5.0, timeout: float = 90.0
) -> StallPeaks:
    """Stalled viewers ask for a snapshot as often as the protocol allows (2/s) and read none of them,
    on top of the live updates, until the cap drops updates for them (the kernel buffers are full)
    and ``after_dropping`` seconds more: the peaks seen meanwhile, for asserts that they stayed capped."""
    peaks = StallPeaks()
    deadline, dropping_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline and (
        dropping_since is None or time.monotonic() - dropping_since < after_dropping
    ):
        for viewer in viewers:
            viewer.send_text('{"type":"resync"}')
        await asyncio.sleep(0.52)
        figures = scrape(port, tls)
        peaks.queued = max(peaks.queued, figures["feed_widget_queued_bytes"])
        peaks.kernel = max([peaks.kernel, *kernel_send_queues(port)])
        if dropping_since is None and figures["feed_widget_messages_dropped_total"] > 0:
            dropping_since = time.monotonic()
    return peaks
