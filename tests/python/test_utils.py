"""dynlib.utils.Timer, as the reference's scripts use it."""
import re
import time

import pytest

from dynlib.utils import Timer


def test_timer_prints_milliseconds_with_its_label_and_keeps_seconds():
    lines = []
    with Timer("sleep", printer=lines.append) as t:
        time.sleep(0.02)
    assert re.fullmatch(r"sleep: \d+\.\d{3} ms", lines[0])
    assert t.elapsed >= 0.02 and float(lines[0].split()[1]) == pytest.approx(t.elapsed * 1e3,
                                                                                abs=1e-3)


def test_timer_decorates_and_lets_exceptions_through():
    lines = []

    @Timer(printer=lines.append)
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert re.fullmatch(r"\d+\.\d{3} ms", lines[0])  # no label, still timed
