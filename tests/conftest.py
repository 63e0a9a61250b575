"""Shared fixtures. Add yours in a clearly marked block of your own; keep heavy resources session-scoped."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# ===== hard-case suite (issue 2): tests/test_quotes.py, test_extract_hard_cases.py, test_cli.py, test_schema.py =====

TESTS_DIR = Path(__file__).resolve().parent
ROOT_DIR = TESTS_DIR.parent
VENV_QUOTEGRAPH = ROOT_DIR / ".venv" / "bin" / "quotegraph"


@pytest.fixture(scope="session")
def extractor():
    """The process-wide Extractor (spaCy loaded once per test session; quotegraph.extract uses the same one)."""
    from quotegraph.pipeline import default_extractor

    return default_extractor()


@pytest.fixture(scope="session")
def record_schema() -> dict:
    from quotegraph.record import quote_record_schema

    return quote_record_schema()


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``quotegraph`` command (or ``python -m quotegraph.cli``) end to end in a subprocess.

    Each call costs a process start and a spaCy load (a few seconds): batch several inputs into one call.
    """

    def run(
        args: Sequence[str], *, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        if VENV_QUOTEGRAPH.exists():
            command = [str(VENV_QUOTEGRAPH), *args]
        else:
            command = [sys.executable, "-m", "quotegraph.cli", *args]
        env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1", COLUMNS="160")
        proc = subprocess.run(
            command,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            cwd=cwd or ROOT_DIR,
            env=env,
            timeout=timeout,
            check=False,
        )
        return subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", errors="replace"),
            proc.stderr.decode("utf-8", errors="replace"),
        )

    return run


# ===== end of the hard-case suite block =====
