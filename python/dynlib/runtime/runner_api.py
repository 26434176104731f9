"""The reference dynlib's run status codes (dynlib.runtime.runner_api), and the status of a run.

``Results.status`` is a :class:`RunStatus`: the status's name ("done", "early_exit", "stepfail",
"nan_detected", "user_break", "memory_limit"), as this package has always given it, that also compares equal to
the reference's integer code, so both ``res.status == "done"`` and ``res.status == DONE`` hold.
The growth codes (GROW_REC, GROW_EVT) and OK are internal to a run and never end one here.
MEMORY_LIMIT is this package's own: a record or event buffer could not grow within the machine's
memory, and the run stopped keeping what it recorded (the reference has no such status).
"""
from __future__ import annotations

from enum import IntEnum

__all__ = ["Status", "RunStatus", "OK", "STEPFAIL", "NAN_DETECTED", "EARLY_EXIT", "DONE",
           "GROW_REC", "GROW_EVT", "USER_BREAK", "MEMORY_LIMIT"]


class Status(IntEnum):
    """The reference's status codes of a run."""
    OK = 0
    STEPFAIL = 2
    NAN_DETECTED = 3
    EARLY_EXIT = 7
    DONE = 9
    GROW_REC = 10
    GROW_EVT = 11
    USER_BREAK = 12
    MEMORY_LIMIT = 20


OK = int(Status.OK)
STEPFAIL = int(Status.STEPFAIL)
NAN_DETECTED = int(Status.NAN_DETECTED)
EARLY_EXIT = int(Status.EARLY_EXIT)
DONE = int(Status.DONE)
GROW_REC = int(Status.GROW_REC)
GROW_EVT = int(Status.GROW_EVT)
USER_BREAK = int(Status.USER_BREAK)
MEMORY_LIMIT = int(Status.MEMORY_LIMIT)

_CODES = {"done": Status.DONE, "early_exit": Status.EARLY_EXIT, "stepfail": Status.STEPFAIL,
          "nan_detected": Status.NAN_DETECTED, "user_break": Status.USER_BREAK,
          "memory_limit": Status.MEMORY_LIMIT}


class RunStatus(str):
    """How a run ended: its name, equal also to the reference's code (``int(status)`` gives it)."""
    __slots__ = ()

    def __new__(cls, name: str):
        if name not in _CODES:
            raise ValueError(f"unknown run status {name!r}; expected one of {sorted(_CODES)}")
        return super().__new__(cls, name)

    @property
    def code(self) -> Status:
        return _CODES[str(self)]

    def __int__(self) -> int:
        return int(self.code)

    def __index__(self) -> int:
        return int(self.code)

    def __eq__(self, other):
        if isinstance(other, int) and not isinstance(other, bool):
            return int(self.code) == int(other)
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"'{self}' ({self.code.name} = {int(self.code)})"
