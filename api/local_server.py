"""Helpers for running `kg serve` as a child process on this machine (tests, benchmarks, notebooks)."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


class ServerStartError(RuntimeError):
    """`kg serve` exited or did not answer ``/healthz`` in time."""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Poll ``/healthz`` until it answers 200; raise :class:`ServerStartError` if the process ends or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"`kg serve` exited with code {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ServerStartError(f"`kg serve` at {base_url} did not answer /healthz within {timeout_s:g} s")
