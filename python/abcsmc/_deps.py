"""Which of the packages the report needs are missing, and how to install them.

`abcsmc report` (C++) picks a Python interpreter by asking this question of each candidate; the
Python entry point asks it too, so both print the same advice.
"""

from __future__ import annotations

import importlib.util

#: Module -> Debian package, for everything `abcsmc report` imports.
REPORT_MODULES = {
    "h5py": "python3-h5py",
    "numpy": "python3-numpy",
    "pandas": "python3-pandas",
    "matplotlib": "python3-matplotlib",
    "scipy": "python3-scipy",
}


def missing(modules=REPORT_MODULES) -> list:
    """The modules of `modules` that this interpreter cannot import (found without importing)."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def advice(absent, interpreter: str) -> str:
    packages = " ".join(REPORT_MODULES.get(m, m) for m in absent)
    return (
        f"abcsmc report needs the Python packages {', '.join(REPORT_MODULES)}; {interpreter} "
        f"lacks {', '.join(absent)}. On Debian or Ubuntu: apt-get install {packages} "
        "(or pip install them); ABCSMC_PYTHON=/path/to/python3 chooses the interpreter"
    )
