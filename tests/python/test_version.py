"""deepdiff.__version__ and deepdiff.__commit__: the package says what it was built from, as
`deepdiff --version` does for the programs (setup.py and cmake/build_info.cmake ask git alike)."""
import re
import subprocess

import deepdiff


def test_version_and_commit_are_spelled_as_the_programs_spell_them():
    assert re.fullmatch(r"\d+\.\d+\.\d+", deepdiff.__version__)
    assert re.fullmatch(r"[0-9a-f]{4,40}(-dirty)?|unknown", deepdiff.__commit__), deepdiff.__commit__
    assert "__commit__" in deepdiff.__all__ and deepdiff.__commit__ is deepdiff._core.__commit__


def test_the_same_version_and_commit_as_the_program(cli):
    line = subprocess.run([cli, "--version"], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    m = re.match(r"deepdiff (\S+) \(commit ([^,]+),", line)
    assert m, line
    assert m.group(1) == deepdiff.__version__  # CMake's project(VERSION) and __init__.py agree
    # the same checkout: the same commit (whether each saw uncommitted changes depends on when
    # it was built, so "-dirty" is not compared)
    if m.group(2) != "unknown" and deepdiff.__commit__ != "unknown":
        assert m.group(2).split("-")[0] == deepdiff.__commit__.split("-")[0]


def test_kernels_name_the_copy_the_program_runs(cli):
    # the module and the program say alike which instructions run (a portable build: which of
    # its copies this CPU runs), and they are the same build of the same code
    assert "__kernels__" in deepdiff.__all__
    line = subprocess.run([cli, "--version"], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    assert line.rstrip().endswith(", " + deepdiff.__kernels__ + ")"), (line, deepdiff.__kernels__)

