"""The package's version: the same as the C++ project's (CMakeLists.txt `project(abcsmc VERSION ...)`).

A test (tests/python/test_version.py) fails when the two differ, so this file and CMakeLists.txt
move together; pyproject.toml reads the version from here.
"""

__version__ = "0.1.0"
