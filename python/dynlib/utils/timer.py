"""Timer: wall time of a block or a function, printed in milliseconds (the reference's
dynlib.utils.Timer), and kept as ``elapsed`` (seconds) for code that wants the number."""
from __future__ import annotations

from contextlib import ContextDecorator
from time import perf_counter


class Timer(ContextDecorator):
    """``with Timer("run"): sim.run(...)`` prints ``run: 12.345 ms``; also a decorator.

    ``printer`` receives the line (default ``print``); ``elapsed`` holds the last measurement in
    seconds. Exceptions pass through (the time is still printed)."""

    def __init__(self, label: str | None = None, printer=print):
        self.label = label
        self.printer = printer
        self.elapsed = 0.0
        self._start = 0.0

    def __enter__(self):
        self._start = perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.elapsed = perf_counter() - self._start
        prefix = f"{self.label}: " if self.label else ""
        self.printer(f"{prefix}{self.elapsed * 1e3:.3f} ms")
        return False
