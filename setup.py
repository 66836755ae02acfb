"""Build of the `deepdiff` Python extension (metadata: pyproject.toml).

    pip install --no-build-isolation .          # offline, with Debian's python3-pybind11

One translation unit, python/src/deepdiff_python.cpp, over the header-only library in
include/, compiled with the flags of the CMake build of `deepdiff` (-O3, OpenMP,
EIGEN_DONT_PARALLELIZE), so `Model.fit` gives the numbers `deepdiff train` gives on the same
machine. Like the programs (cmake/portable.cmake) the module is portable by default: that unit
is compiled once per level of DEEPDIFF_PORTABLE_LEVELS, each copy sealed (ld -r
--force-group-allocation, then objcopy keeps one global symbol, its init function), and the
module python/src/dispatch_module.cpp, compiled for the x86-64 baseline, runs the widest copy
the CPU supports (DEEPDIFF_KERNELS=<level> asks for one; deepdiff.__kernels__ says which runs).
Environment:
    DEEPDIFF_PORTABLE=0      one copy, for this machine (-march=native) or, with
                             DEEPDIFF_NATIVE=0, for the x86-64 baseline
    DEEPDIFF_PORTABLE_LEVELS=avx512bf16,avx2
                             the copies (avx512bf16, avx512, avx2), widest first
    DEEPDIFF_NATIVE=0        with DEEPDIFF_PORTABLE=0: no -march=native
    EIGEN3_INCLUDE_DIR=DIR   Eigen 3.4 elsewhere than /usr/include/eigen3
    DEEPDIFF_WITH_XGBOOST=auto|1|0
                             the xgboost baseline: linked to the XGBoost C API where it is found
                             (auto, the default; Debian: libxgboost-dev), required (1), left out (0)
    XGBOOST_ROOT=DIR         the XGBoost C API under DIR/include and DIR/lib
"""
import glob
import os
import platform
import re
import shutil
import subprocess
import sysconfig

import pybind11
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def eigen_include():
    for d in (os.environ.get("EIGEN3_INCLUDE_DIR"), "/usr/include/eigen3", "/usr/local/include/eigen3"):
        if d and os.path.isfile(os.path.join(d, "Eigen", "Core")):
            return d
    raise SystemExit("Eigen 3.4 not found: apt-get install libeigen3-dev, or set EIGEN3_INCLUDE_DIR")


def xgboost_paths():
    """(include dir, library dir) of the XGBoost C API, or None: what CMake's find_path and
    find_library look for (xgboost/c_api.h, libxgboost.so), so the package has the xgboost
    baseline exactly where the CMake build of `deepdiff` has it."""
    want = os.environ.get("DEEPDIFF_WITH_XGBOOST", "auto").lower()
    if want in ("0", "off", "no"):
        return None
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    for root in (os.environ.get("XGBOOST_ROOT"), "/usr/local", "/usr"):
        if not root or not os.path.isfile(os.path.join(root, "include", "xgboost", "c_api.h")):
            continue
        for lib in (os.path.join(root, "lib", arch), os.path.join(root, "lib64"), os.path.join(root, "lib")):
            if os.path.isfile(os.path.join(lib, "libxgboost.so")):
                return os.path.join(root, "include"), lib
    if want in ("1", "on", "yes"):
        raise SystemExit("DEEPDIFF_WITH_XGBOOST=1 but the XGBoost C API (xgboost/c_api.h, libxgboost.so) is not found: "
                         "apt-get install libxgboost-dev, or set XGBOOST_ROOT")
    return None


def git_commit():
    """The short sha of the git checkout this source is, with "-dirty" when tracked files differ
    from it: what cmake/build_info.cmake gives the programs. "unknown" without git, or when HERE
    is not the top of a checkout (a copy pip made, a tarball inside another repository)."""
    def git(*args):
        return subprocess.run(["git", "-C", HERE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=True).stdout.strip()
    try:
        if os.path.realpath(git("rev-parse", "--show-toplevel")) != os.path.realpath(HERE):
            return "unknown"
        sha = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def build_info_header(version):
    """deepdiff_build_info.hpp (the header the CMake build writes for the programs) in the build
    folder, rewritten only when its text changes: it is among the extension's depends, so a new
    commit rebuilds the module and deepdiff.__commit__ never names an older one."""
    folder = os.path.join(HERE, "build", "python-setuptools", "build_info")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "deepdiff_build_info.hpp")
    text = ("// Written by setup.py at build time; do not edit.\n#pragma once\n"
            '#define DEEPDIFF_BUILD_VERSION "%s"\n#define DEEPDIFF_BUILD_COMMIT "%s"\n' % (version, git_commit()))
    old = open(path).read() if os.path.isfile(path) else None
    if old != text:
        with open(path, "w") as f:
            f.write(text)
    return folder, path


LEVEL_FLAGS = {"avx512bf16": ["-march=x86-64-v4", "-mavx512bf16"], "avx512": ["-march=x86-64-v4"],
               "avx2": ["-march=x86-64-v3"]}


def portable_levels():
    """The levels of the module's copies, or [] for a module of one copy: what CMake's
    DEEPDIFF_PORTABLE and DEEPDIFF_PORTABLE_LEVELS give the programs."""
    if os.environ.get("DEEPDIFF_PORTABLE", "1") in ("0", "off", "no"):
        return []
    levels = [x for x in os.environ.get("DEEPDIFF_PORTABLE_LEVELS", "avx512bf16,avx2").split(",") if x]
    bad = [x for x in levels if x not in LEVEL_FLAGS]
    if bad or not levels:
        raise SystemExit("DEEPDIFF_PORTABLE_LEVELS: %s is not a comma-separated list of avx512bf16, avx512, avx2"
                         % ",".join(bad or ["(empty)"]))
    if platform.machine() not in ("x86_64", "AMD64") or not shutil.which("ld") or not shutil.which("objcopy"):
        print("deepdiff: one copy (a portable module needs x86-64 and binutils' ld and objcopy)")
        return []
    return levels


class BuildExt(build_ext):
    def build_extension(self, ext):
        if not LEVELS:
            return super().build_extension(ext)
        # Each copy: deepdiff_python.cpp for its level, partially linked into one object whose
        # every symbol is local but its init function (cmake/portable.cmake says why).
        sealed = []
        for level in LEVELS:
            out = os.path.join(self.build_temp, "copy-" + level)
            objects = self.compiler.compile(
                COPY_SOURCES, output_dir=out, include_dirs=ext.include_dirs, depends=ext.depends,
                extra_postargs=COMMON_FLAGS + LEVEL_FLAGS[level] + [
                    "-fno-gnu-unique", "-DDEEPDIFF_PYTHON_COPY=deepdiff_python_" + level,
                    "-DDEEPDIFF_PORTABLE_COPY=" + level, '-DDEEPDIFF_PORTABLE_LEVELS="%s"' % ",".join(LEVELS)])
            partial, done = os.path.join(out, "copy.partial.o"), os.path.join(out, "copy.sealed.o")
            self.spawn(["ld", "-r", "--force-group-allocation", "-o", partial] + objects)
            self.spawn(["objcopy", "--keep-global-symbol=deepdiff_python_" + level,
                        "--rename-section", ".init_array=deepdiff_init_" + level, partial, done])
            sealed.append(done)
        ext.extra_objects = sealed
        super().build_extension(ext)

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
flags += ["-isystem", eigen_include()]  # as CMake does: Eigen's own warnings are not ours
LEVELS = portable_levels()
COPY_SOURCES = ["python/src/deepdiff_python.cpp"]
if not LEVELS and os.environ.get("DEEPDIFF_NATIVE", "1") != "0":
    flags.append("-march=native")

with open(os.path.join(HERE, "python", "deepdiff", "__init__.py")) as f:
    version = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)
build_info_dir, build_info = build_info_header(version)

include_dirs, libraries, library_dirs, rpath = ["include", pybind11.get_include(), build_info_dir], [], [], []
xgb = xgboost_paths()
if xgb:
    flags.append("-DDEEPDIFF_HAVE_XGBOOST=1")
    # -isystem after our own: a copy in XGBOOST_ROOT must not shadow /usr/include's headers
    # for anything else, and its warnings are not ours.
    if xgb[0] not in ("/usr/include", "/usr/local/include"):  # (-isystem on those breaks libstdc++'s #include_next)
        flags += ["-isystem", xgb[0]]
    libraries.append("xgboost")
    library_dirs.append(xgb[1])
    if xgb[1] not in ("/usr/lib", "/usr/lib64", os.path.join("/usr/lib", sysconfig.get_config_var("MULTIARCH") or "")):
        rpath.append(xgb[1])  # found there at run time too, without LD_LIBRARY_PATH

COMMON_FLAGS = list(flags)  # the copies' (each adds its level's); the dispatching module adds its copies
ext = Extension(
    "deepdiff._core",
    sources=["python/src/dispatch_module.cpp"] if LEVELS else COPY_SOURCES,
    include_dirs=include_dirs,
    depends=sorted(glob.glob("include/deepdiff/**/*.hpp", recursive=True)) + [build_info] + COPY_SOURCES,
    extra_compile_args=flags + ["-DDEEPDIFF_COPY_%s=1" % x.upper() for x in LEVELS],
    extra_link_args=["-fopenmp"],
    libraries=libraries,
    library_dirs=library_dirs,
    runtime_library_dirs=rpath,
    language="c++",
)

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
