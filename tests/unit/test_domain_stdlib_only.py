"""Every lms_domain module imports with site-packages disabled: the standard library alone."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_domain_needs_only_the_standard_library() -> None:
    modules = [
        "lms_domain",
        *(m.name for m in pkgutil.walk_packages([str(SRC / "lms_domain")], "lms_domain.")),
    ]
    assert len(modules) > 5
    code = "import importlib,sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-S", "-c", code, *modules],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": os.environ.get("PATH", "")},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
