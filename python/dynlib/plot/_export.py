"""Saving figures in one or several formats, and showing them."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ._common import pyplot

__all__ = ["savefig", "show"]

_NOT_GIVEN: Any = object()


def _figure_of(obj):
    """The Figure behind a Figure, an Axes, an AxesGrid, or a (nested) list of Axes."""
    from matplotlib.figure import Figure, SubFigure

    if isinstance(obj, Figure):
        return obj
    if isinstance(obj, SubFigure):
        return obj.figure
    figure = getattr(obj, "figure", None)
    if figure is not None:
        return _figure_of(figure)
    if isinstance(obj, (list, tuple)) or hasattr(obj, "ravel"):
        items = obj.ravel() if hasattr(obj, "ravel") else obj
        for item in items:
            if item is not None:
                return _figure_of(item)
    raise TypeError(f"savefig: cannot find a matplotlib Figure in {type(obj).__name__}")


def savefig(fig_or_ax, path: str | Path, *, fmts: tuple[str, ...] | Any = _NOT_GIVEN,
            dpi: int = 300, transparent: bool = False, pad: float = 0.01,
            metadata: dict[str, str] | None = None,
            bbox_inches: str | None = "tight") -> list[Path]:
    """Write the figure of `fig_or_ax` (Figure, Axes or AxesGrid) and return the files written.

    `path` with an extension ("out/fig.pdf") writes that one format; `path` without one writes
    `path.<fmt>` for each of `fmts` (default ("png",)). Giving both is an error. Missing parent
    directories are created. `pad` is the padding in inches around a tight bounding box; figures
    with constrained layout are saved whole (a tight box would clip their layout).
    """
    figure = _figure_of(fig_or_ax)
    target = Path(path)
    if target.suffix:
        if fmts is not _NOT_GIVEN:
            raise ValueError(f"savefig: {str(path)!r} already has an extension; pass either a path "
                             f"with an extension or fmts=(...) with a path without one")
        formats = [target.suffix]
        target = target.with_suffix("")
    else:
        formats = ["png"] if fmts is _NOT_GIVEN else ([fmts] if isinstance(fmts, str) else fmts)
    names: list[str] = []
    for fmt in formats:
        name = str(fmt).strip().lower().lstrip(".")
        if name and name not in names:
            names.append(name)
    if not names:
        raise ValueError("savefig: fmts names no format")
    if bbox_inches == "tight" and figure.get_constrained_layout():
        bbox_inches = None
    target.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in names:
        out = target.parent / f"{target.name}.{name}"
        figure.savefig(out, format=name, dpi=dpi, transparent=transparent,
                       bbox_inches=bbox_inches, pad_inches=pad, metadata=dict(metadata or {}))
        written.append(out)
    return written


def show(*, block: bool | None = None) -> None:
    """Show the open figures (pyplot.show). Under a non-interactive backend (Agg, pdf, ...: a
    script run headless or in a test) this returns at once without a warning and leaves the
    figures open, so they can still be saved."""
    plt = pyplot()
    import matplotlib
    from matplotlib import rcsetup

    backend = matplotlib.get_backend()
    if backend.lower() in {b.lower() for b in rcsetup.non_interactive_bk}:
        return
    plt.show(block=block) if block is not None else plt.show()
