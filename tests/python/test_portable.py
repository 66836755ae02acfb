"""The portable module (setup.py, python/src/dispatch_module.cpp): DEEPDIFF_KERNELS picks one of
its copies or is refused, and on emulated older CPUs (qemu-user: an AVX2 Haswell, a Nehalem
without AVX) `import deepdiff` runs the avx2 copy with the numbers that copy gives here, or
raises ImportError saying what the CPU lacks; never SIGILL."""
import os
import shutil
import subprocess
import sys

import pytest

import deepdiff

PORTABLE = "portable:" in deepdiff.__kernels__
LEVELS = deepdiff.__kernels__.split(" of ")[-1].split(", ") if PORTABLE else []
needs_portable = pytest.mark.skipif(not PORTABLE, reason="a module of one copy (DEEPDIFF_PORTABLE=0)")
# A prediction of a fixed untrained model on fixed inputs, as text that round-trips.
PREDICT = """
import deepdiff, numpy as np
m = deepdiff.Model("raw_d", seed=1, bins=10, hidden=16)
x = np.random.default_rng(0).random((4, 10, 5), dtype=np.float32)
print(deepdiff.__kernels__)
print([float(v).hex() for v in m.predict(x, 2 * x)["pred"]])
"""


def run(args, **env):
    return subprocess.run(args, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=600)


def cpu_has_avx2():
    flags = open("/proc/cpuinfo").read().split("\nflags")[1].split("\n")[0].split()
    return {"avx2", "fma", "bmi2"} <= set(flags)


@needs_portable
def test_deepdiff_kernels_picks_a_copy_or_is_refused():
    if "avx2" in LEVELS and cpu_has_avx2():
        out = run([sys.executable, "-c", PREDICT], DEEPDIFF_KERNELS="avx2")
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("AVX2 + FMA; portable: copy avx2 of"), out.stdout
    bad = run([sys.executable, "-c", "import deepdiff"], DEEPDIFF_KERNELS="sse")
    assert bad.returncode != 0
    assert "ImportError: DEEPDIFF_KERNELS=sse: this build has the copies " + ", ".join(LEVELS) in bad.stderr, bad.stderr


@needs_portable
@pytest.mark.skipif(shutil.which("qemu-x86_64") is None, reason="qemu-x86_64 not found (apt-get install qemu-user)")
def test_older_cpus_run_the_avx2_copy_or_are_told_why_not():
    qemu = shutil.which("qemu-x86_64")
    if "avx2" in LEVELS and cpu_has_avx2():
        here = run([sys.executable, "-c", PREDICT], DEEPDIFF_KERNELS="avx2")
        haswell = run([qemu, "-cpu", "Haswell", sys.executable, "-c", PREDICT])
        assert haswell.returncode == 0, haswell.stderr[-2000:]
        assert haswell.stdout == here.stdout  # the same copy: the same bits
    nehalem = run([qemu, "-cpu", "Nehalem", sys.executable, "-c", "import deepdiff"])
    assert nehalem.returncode == 1, (nehalem.returncode, nehalem.stderr[-2000:])
    assert "ImportError: this CPU cannot run any copy of this build" in nehalem.stderr, nehalem.stderr[-2000:]
