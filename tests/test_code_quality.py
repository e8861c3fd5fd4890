"""The packages type-check under mypy --strict and pass ruff: kept true by the test suite itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_strict_is_clean_on_the_packages() -> None:
    result = _run("mypy")  # packages and strictness come from [tool.mypy] in pyproject.toml
    assert result.returncode == 0, result.stdout[-4000:]
