"""FullModel.print_equations(): the equations as written, in the reference's layout."""
import io

import pytest

import dynlib


def printed(model, **kw):
    out = io.StringIO()
    model.print_equations(file=out, **kw)
    return out.getvalue()


def test_equations_as_written_with_the_references_headers():
    text = printed(dynlib.build("builtin://ode/izhikevich"), tables="all")
    assert text.splitlines() == [
        "Equations (izhikevich):",
        "v = 0.04*v**2 + 5*v + 140 - u + I",
        "u = a*(b*v - u)",
        "",
        "Jacobian:",
        "[0.08*v + 5, -1]",
        "[a*b, -a]",
    ]
    assert printed(dynlib.build("builtin://ode/izhikevich")).splitlines()[0] == \
        "Equations (izhikevich):"


def test_inverse_and_headers_and_errors():
    henon = dynlib.build("builtin://map/henon")
    inverse = printed(henon, tables="equations.inverse").splitlines()
    assert inverse[0] == "Inverse equations:" and len(inverse) == 3
    assert printed(henon, tables="equations.jacobian").splitlines() == [
        "Jacobian:", "[-2*a*x, 1]", "[b, 0]"]
    plain = printed(henon, include_headers=False).splitlines()
    assert plain[0].startswith("x = ") and len(plain) == 2
    with pytest.raises(ValueError, match="unknown equations table 'equations.rhs'"):
        henon.print_equations(tables=["equations.rhs"])
