"""Local ports and Prometheus scrapes for tests that start servers on 127.0.0.1."""

from __future__ import annotations

import random
import socket
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def free_ports(n: int = 1) -> list[int]:
    """``n`` distinct local ports nothing listens on (bound together, then released)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def free_low_ports(n: int = 1, low: int = 20000, high: int = 32000) -> list[int]:
    """``n`` consecutive free ports below the ephemeral range, which no client socket can take meanwhile."""
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(low, high - n)
        sockets = [socket.socket() for _ in range(n)]
        try:
            for port, s in zip(range(first, first + n), sockets, strict=True):
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
        return list(range(first, first + n))
    raise RuntimeError(f"no {n} free consecutive ports in {low}-{high}")


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample of ``http://127.0.0.1:port/metrics``, keyed by (name, sorted label items)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
