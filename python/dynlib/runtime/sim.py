"""``dynlib.runtime.sim.Sim``: the reference's module path of ``dynlib.Sim``."""
from .. import Sim

__all__ = ["Sim"]
