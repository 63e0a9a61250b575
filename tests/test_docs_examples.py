"""Every ```python block of docs/python-api.md runs as a doctest (ELLIPSIS, NORMALIZE_WHITESPACE), in order,
sharing one namespace as a reader of the page would, so the documented examples and outputs never rot."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["python-api.md"]
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every ```python block of a markdown text."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def test_every_block_is_a_doctest() -> None:
    for page in PAGES:
        blocks = python_blocks((DOCS / page).read_text(encoding="utf-8"))
        assert blocks, f"{page} has no ```python blocks"
        for line, code in blocks:
            assert code.lstrip().startswith(">>>"), f"{page}:{line}: a python block must be doctest examples"


@pytest.mark.parametrize("page", PAGES)
def test_docs_examples_run(page: str) -> None:
    path = DOCS / page
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs: dict[str, object] = {"__name__": "__docs__"}
    report: list[str] = []
    for line, code in python_blocks(path.read_text(encoding="utf-8")):
        test = parser.get_doctest(code, globs, f"{page}:{line}", str(path), line - 1)
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=False)
        globs.update(test.globs)  # DocTest works on a copy: carry its names on to the next block
        if result.failed:
            report.append("".join(out))
    assert not report, "documented examples failed:\n" + "\n".join(report)
