"""What the end-to-end tests of `deepdiff prepare` share (imported from beside them):

  require_prepare(DEEPDIFF, tools)  exit 77 (skipped) when deepdiff has no prepare command or
                                    a reference tool is not installed
  check(ok, what)                   print ok/FAIL and remember a failure in `failures`
"""
import shutil
import subprocess
import sys

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def skip(why):
    print("skipped: " + why)
    sys.exit(77)


def require_prepare(deepdiff, tools=()):
    probe = subprocess.run([deepdiff, "prepare", "--help"], capture_output=True, text=True)
    if "built without" in probe.stdout + probe.stderr:
        skip("deepdiff was built without htslib/libBigWig (no prepare command)")
    for tool in tools:
        if shutil.which(tool) is None:
            skip(tool + " is not installed (apt-get install " + tool + ")")
