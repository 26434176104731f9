"""The reference dynlib's runtime namespace: observers of runs (dynlib.runtime.observers)."""
