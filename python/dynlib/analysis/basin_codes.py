"""The basin analyses' special labels (the reference dynlib's codes); attractors are >= 0."""
from __future__ import annotations

__all__ = ["BLOWUP", "OUTSIDE", "UNRESOLVED"]

BLOWUP = -1  # a non-finite state, or |value| > b_max
OUTSIDE = -2  # stayed outside the escape / observation box for outside_limit samples
UNRESOLVED = -3  # not classified within max_samples (or the analysis was stopped)
