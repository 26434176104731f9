"""docs/plotting.md shows, for every picture, the code that drew it (scripts/docs_images.py,
`make docs-images`): the page and the images must not drift from the script."""
import importlib.util
import os

import pytest

pytest.importorskip("matplotlib")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAGE = os.path.join(ROOT, "docs", "plotting.md")
IMAGES = os.path.join(ROOT, "docs", "images")


def script():
    spec = importlib.util.spec_from_file_location(
        "docs_images", os.path.join(ROOT, "scripts", "docs_images.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_picture_is_on_the_page_with_the_code_that_drew_it():
    docs = script()
    with open(PAGE) as f:
        page = f.read()
    for picture in docs.PICTURES:
        block = docs.page_block(picture, IMAGES, PAGE)
        assert block in page, (f"docs/plotting.md is out of date for {picture.__name__}: "
                               f"run `make docs-images`")
        image = os.path.join(IMAGES, picture.__name__ + ".png")
        with open(image, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", image


def test_an_unknown_picture_name_is_refused(capsys):
    assert script().main(["docs_images.py", "/nonexistent", "no_such_picture"]) == 2
    assert "no picture named no_such_picture" in capsys.readouterr().err
