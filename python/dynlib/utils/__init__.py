"""Small helpers of the reference dynlib's dynlib.utils: Timer."""
from .timer import Timer

__all__ = ["Timer"]
