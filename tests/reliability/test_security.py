"""Security: no pickle/eval of files, torch weights only with weights_only=True, simulators resolved only from the
registry or an explicit ``module:attr``, constraints parsed without eval, study files read-only unless resuming."""

import ast
import hashlib
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import active_science
from active_science import ExclusionScan, ParameterSpace, Store
from active_science.cli import main
from active_science.exceptions import ActiveScienceError, StoreError, UnknownNameError
from active_science.registry import get_simulator, get_strategy

ROOT = Path(active_science.__file__).resolve().parent.parent
SOURCES = [p for d in ("active_science", "simulators", "strategies", "benchmarks") for p in sorted((ROOT / d).rglob("*.py"))]
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
UNSAFE_CALLS = {"eval", "exec", "__import__"}


def unsafe_uses(source: str) -> list[str]:
    """Unsafe constructs in Python source, found by walking its AST."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            found.append(f"from {node.module} import")
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            kw = {k.arg: k.value for k in node.keywords}
            if isinstance(fn, ast.Name) and name in UNSAFE_CALLS:
                found.append(f"{name}()")
            if name == "load" and isinstance(fn, ast.Attribute) and getattr(fn.value, "id", "") == "torch":
                if not (isinstance(kw.get("weights_only"), ast.Constant) and kw["weights_only"].value is True):
                    found.append("torch.load without weights_only=True")
            if name in ("load", "loads") and getattr(fn.value, "id", "") == "yaml" if isinstance(fn, ast.Attribute) else False:
                found.append("yaml.load")
            if isinstance(kw.get("allow_pickle"), ast.Constant) and kw["allow_pickle"].value is True:
                found.append("allow_pickle=True")
            if isinstance(kw.get("shell"), ast.Constant) and kw["shell"].value is True:
                found.append("shell=True")
    return found


def test_the_checker_finds_each_unsafe_construct():
    bad = (
        "import pickle\nfrom dill import loads\neval('1')\nexec('x=1')\nimport torch\ntorch.load('w.pt')\n"
        "import numpy as np\nnp.load('a.npy', allow_pickle=True)\nimport subprocess\nsubprocess.run('ls', shell=True)\n"
        "import yaml\nyaml.load(open('c'))\n"
    )
    assert len(unsafe_uses(bad)) == 8
    assert unsafe_uses("import torch\ntorch.load('w.pt', weights_only=True)\nmodel.eval()\n") == []


def test_no_pickle_eval_or_unsafe_loading_in_the_code_base():
    assert len(SOURCES) > 20
    problems = {str(p.relative_to(ROOT)): unsafe_uses(p.read_text()) for p in SOURCES}
    assert {k: v for k, v in problems.items() if v} == {}


def test_study_files_hold_only_plain_numbers_and_text(study_path):
    ExclusionScan(lambda th, seed: 0.3, ParameterSpace({"x": (0.0, 1.0)}), strategy="random", store=study_path).run(3)
    kinds = set()
    with h5py.File(study_path, "r") as f:
        f.visititems(lambda name, obj: kinds.update(
            [obj.dtype[n].base.kind for n in (obj.dtype.names or [None])] if obj.dtype.names else [obj.dtype.kind]
        ) if isinstance(obj, h5py.Dataset) else None)  # fmt: skip
        attr_types = {type(v) for v in f.attrs.values()}
    assert kinds <= set("biufS") and not kinds & {"O", "V"}  # no object / opaque (pickled) data
    assert attr_types <= {str, np.int64, int}


@pytest.mark.parametrize(
    "name",
    ["os.system", "__import__('os').system('touch {marker}')", "os:system('touch {marker}')", "subprocess.run", "../../etc/passwd"],
)
def test_simulator_names_resolve_only_from_the_registry_or_module_attr(tmp_path, name):
    marker = tmp_path / "pwned"
    before = set(sys.modules)
    with pytest.raises(ActiveScienceError):
        get_simulator(name.format(marker=marker))
    with pytest.raises(ActiveScienceError):
        get_strategy(name.format(marker=marker))
    assert not marker.exists()
    assert {m for m in set(sys.modules) - before if m.startswith(("os", "subprocess"))} == set()


def test_an_explicit_module_attr_is_imported_not_evaluated():
    sim = get_simulator("active_science.simulators.mass_plane:MassPlane", num_events=100)
    assert sim.name == "mass_plane"
    with pytest.raises(UnknownNameError, match="has no attribute"):
        get_simulator("active_science.simulators.mass_plane:MassPlane()")


def test_constraints_from_config_text_are_parsed_never_evaluated(tmp_path):
    marker = tmp_path / "pwned"
    for text in (f"__import__('os').system('touch {marker}') < 1", "x < (lambda: 1)()", "x < y.__class__"):
        with pytest.raises(ActiveScienceError):
            ParameterSpace({"x": (0.0, 1.0), "y": (0.0, 1.0)}, constraint=text)
    assert not marker.exists()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_study_files_are_opened_read_only_unless_resuming(study_path, tmp_path):
    ExclusionScan(lambda th, seed: 0.3, ParameterSpace({"x": (0.0, 1.0)}), strategy="random", store=study_path).run(3)
    before = sha(study_path)
    with Store.open(study_path) as st:
        assert not st.writable and st._f.mode == "r"
        with pytest.raises(StoreError, match="read-only"):
            st.log_event("tamper")
    ExclusionScan.read(study_path)
    assert main(["report", str(study_path), "--out", str(tmp_path / "report")]) == 0
    assert sha(study_path) == before  # reading and reporting never write
    with Store.open(study_path, "resume") as st:  # only resuming opens for writing
        assert st.writable and st._f.mode == "r+"
