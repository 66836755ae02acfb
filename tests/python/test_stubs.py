"""The type stubs (_core.pyi, installed with the package) and the docstrings describe what
the module really has, so help() and editors explain every argument."""
import ast
import inspect
import os

import deepdiff
from deepdiff import _core


def stub_tree():
    path = os.path.join(os.path.dirname(_core.__file__), "_core.pyi")
    assert os.path.isfile(path), "the stubs are not installed next to the module"
    with open(path) as f:
        return ast.parse(f.read())


def public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def test_stubs_name_everything_the_module_has():
    tree = stub_tree()
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    top |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    assert "__commit__" in top and hasattr(_core, "__commit__")
    assert {n for n in top if not n.startswith("_")} == public(_core)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name in ("Model", "Split"):
        members = {n.name for n in classes[name].body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        assert members == public(getattr(_core, name)), name


def test_stub_signatures_match_the_keywords():
    tree = stub_tree()
    model = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model")
    stubs = {n.name: n for n in model.body if isinstance(n, ast.FunctionDef)}
    for meth in ("fit", "predict", "attention", "attributions", "load_state_dict"):
        doc = getattr(deepdiff.Model, meth).__doc__
        a = stubs[meth].args
        names = [x.arg for x in a.args + a.kwonlyargs if x.arg != "self"]
        sig_line = doc.splitlines()[0]  # pybind11 puts the signature first
        for n in names:
            assert n + ":" in sig_line or n + " =" in sig_line or n + "=" in sig_line, (meth, n, sig_line)


def test_every_public_callable_is_documented():
    for obj in (deepdiff.load, deepdiff.synth, deepdiff.pearson, deepdiff.Model, deepdiff.Split):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
    for name, member in inspect.getmembers(deepdiff.Model):
        if not name.startswith("_") and callable(member):
            assert member.__doc__ and len(member.__doc__.splitlines()) > 1, name
    assert "on_epoch" in deepdiff.Model.fit.__doc__ and "KeyboardInterrupt" in deepdiff.Model.fit.__doc__
    assert os.path.isfile(os.path.join(os.path.dirname(deepdiff.__file__), "py.typed"))
