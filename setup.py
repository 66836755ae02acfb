"""Build of the `deepdiff` Python extension (metadata: pyproject.toml).

    pip install --no-build-isolation .          # offline, with Debian's python3-pybind11

One translation unit, python/src/deepdiff_python.cpp, over the header-only library in
include/. It is compiled with the flags of the CMake build of `deepdiff` (-O3, OpenMP,
EIGEN_DONT_PARALLELIZE, -march=native unless DEEPDIFF_NATIVE=0), so `Model.fit` gives the
numbers `deepdiff train` gives on the same machine. Environment:
    DEEPDIFF_NATIVE=0        portable binary (no -march=native)
    EIGEN3_INCLUDE_DIR=DIR   Eigen 3.4 elsewhere than /usr/include/eigen3
"""
import glob
import os
import re

import pybind11
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def eigen_include():
    for d in (os.environ.get("EIGEN3_INCLUDE_DIR"), "/usr/include/eigen3", "/usr/local/include/eigen3"):
        if d and os.path.isfile(os.path.join(d, "Eigen", "Core")):
            return d
    raise SystemExit("Eigen 3.4 not found: apt-get install libeigen3-dev, or set EIGEN3_INCLUDE_DIR")


class BuildExt(build_ext):
    def build_extensions(self):
        # Python's own CFLAGS carry -g (debug info doubles the compile time of this
        # template-heavy unit) and -fwrapv, which changes how GCC optimizes the kernels'
        # loops: with it, fit's weights differ from `deepdiff train`'s in the last bits.
        for attr in ("compiler_so", "compiler_cxx", "compiler"):
            cmd = getattr(self.compiler, attr, None)
            if isinstance(cmd, list):
                setattr(self.compiler, attr, [a for a in cmd if a not in ("-g", "-fwrapv")])
        super().build_extensions()


# -fno-semantic-interposition: inline as in an executable (-fPIC alone changes inlining,
# and with it where multiply-adds are fused).
flags = ["-std=gnu++17", "-O3", "-DNDEBUG", "-fopenmp", "-fvisibility=hidden", "-fno-semantic-interposition",
         "-DEIGEN_DONT_PARALLELIZE",
         "-Wall", "-Wextra", "-Wpedantic", "-Wno-maybe-uninitialized"]
if os.environ.get("DEEPDIFF_NATIVE", "1") != "0":
    flags.append("-march=native")

flags += ["-isystem", eigen_include()]  # as CMake does: Eigen's own warnings are not ours

ext = Extension(
    "deepdiff._core",
    sources=["python/src/deepdiff_python.cpp"],
    include_dirs=["include", pybind11.get_include()],
    depends=sorted(glob.glob("include/deepdiff/**/*.hpp", recursive=True)),
    extra_compile_args=flags,
    extra_link_args=["-fopenmp"],
    language="c++",
)

with open(os.path.join(HERE, "python", "deepdiff", "__init__.py")) as f:
    version = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)

setup(
    version=version,
    package_dir={"": "python"},
    packages=["deepdiff"],
    package_data={"deepdiff": ["py.typed", "*.pyi"]},
    ext_modules=[ext],
    cmdclass={"build_ext": BuildExt},
    # Intermediate files under build/ (git-ignored, next to the CMake build), not in the tree.
    options={"build": {"build_base": os.path.join("build", "python-setuptools")},
             "egg_info": {"egg_base": os.path.join("build", "python-setuptools")}},
)
