"""How much a second process can gain on this machine at all: one pure-Python loop alone, then two at once.

    python -m benchmarks.calibrate

On a shared virtual machine two busy virtual cores may each run slower than one busy core alone (the host's other
guests, shared caches, clock boosting one core): a speed-up measured with 2 processes is bounded by that, whatever
the code does. ``scale_bench`` runs this before every configuration and keeps it with the result.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from statistics import median

from pydantic import BaseModel, ConfigDict

LOOP = 15_000_000
"""Iterations of the loop: about a second of one core here."""


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    one_s: float
    """Seconds of the loop in one process, the other core idle (median of the rounds)."""
    two_s: float
    """Seconds until both of two loops started together have ended (median of the rounds)."""
    ceiling: float
    """``2 × one_s / two_s``: the speed-up two processes get on work that needs no coordination at all."""


def _loop(n: int) -> float:
    began = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - began


def calibrate(rounds: int = 3, n: int = LOOP) -> Calibration:
    ones: list[float] = []
    twos: list[float] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_loop, [1000, 1000]))  # both processes started before anything is timed
        for _ in range(rounds):
            ones.append(pool.submit(_loop, n).result())
            began = time.perf_counter()
            list(pool.map(_loop, [n, n]))
            twos.append(time.perf_counter() - began)
    one, two = median(ones), median(twos)
    return Calibration(one_s=round(one, 3), two_s=round(two, 3), ceiling=round(2 * one / two, 3))


if __name__ == "__main__":
    print(calibrate().model_dump_json(indent=2))
