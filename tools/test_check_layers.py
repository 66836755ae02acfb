#!/usr/bin/python3
"""check_layers.py finds an upward include (and passes a tree without one)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "check_layers.py")


def tree(files):
    d = tempfile.mkdtemp(prefix="layers_")
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    return d


def run(root):
    return subprocess.run([sys.executable, TOOL, root], capture_output=True, text=True)


class CheckLayers(unittest.TestCase):
    def test_downward_and_same_layer_pass(self):
        r = run(tree({"nn/a.hpp": "#include <deepdiff/autograd/tape.hpp>\n#include <deepdiff/nn/b.hpp>\n",
                      "kernels/k.hpp": "#include <deepdiff/tensor/tensor.hpp>\n",
                      "deepdiff.hpp": "#include <deepdiff/train/fit.hpp>\n"}))
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_upward_include_fails_naming_file_and_line(self):
        r = run(tree({"nn/k.hpp": "// x\n#include <deepdiff/kernels/bilstm_attention.hpp>\n"}))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nn/k.hpp:2: includes kernels/", r.stdout)

    def test_unknown_folder_fails(self):
        r = run(tree({"misc/x.hpp": "\n"}))
        self.assertEqual(r.returncode, 1)
        self.assertIn("has no layer", r.stdout)

    def test_the_project_itself(self):
        r = run(os.path.join(HERE, "..", "include", "deepdiff"))
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()
