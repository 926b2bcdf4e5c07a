"""Property-based tests: malformed configs, arrays and arguments thrown at every public entry point give a clean
``ActiveScienceError`` (never a traceback from deep inside numpy/torch/h5py) and never modify an existing study file.
"""

import hashlib
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from active_science import ActiveLoop, ActiveScienceError, ExclusionScan, ParameterSpace
from active_science.cli import main
from active_science.config import load_config
from active_science.evaluation import CallableObjective

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------------ junk values
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from([0, 1, -1, 0.05, 1e308, -0.0, "0.05", "serial", "ray", "straddle", "log"]),
)  # fmt: skip
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
arrays = st.one_of(
    junk,
    st.builds(lambda shape, fill: np.full(shape, fill), st.lists(st.integers(0, 3), max_size=3).map(tuple), st.floats(allow_nan=True)),
    st.builds(lambda shape: np.zeros(shape, dtype=complex) + 1j, st.lists(st.integers(1, 2), max_size=2).map(tuple)),
    st.builds(lambda s: np.array(s), st.lists(st.text(max_size=3), min_size=1, max_size=3)),
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A small finished study whose bytes must never change."""
    path = tmp_path_factory.mktemp("study") / "study.h5"
    ExclusionScan(lambda th, seed: 0.5 * float(th[0]), ParameterSpace({"x": (0.0, 1.0)}), strategy="random", store=path).run(3)
    return path


# ------------------------------------------------------------------------------------------------ TOML rendering
def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if abs(v) < 2**63 else f'"{v}"'
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return '"' + v.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f'"{k}" = {toml_value(x)}' for k, x in v.items() if x is not None) + "}"
    return '""'


SECTIONS = {
    "study": ["kind", "store", "seed", "bogus"],
    "objective": ["simulator", "options"],
    "space": ["dims", "constraint"],
    "scan": ["level", "scale", "strategy", "strategy_options", "batch_size", "max_evaluations", "tolerance", "asynchronous", "clip"],
    "execution": ["executor", "address", "num_cpus", "max_retries", "backoff", "timeout"],
    "extra": ["x"],
}
configs = st.dictionaries(
    st.sampled_from(sorted(SECTIONS)),
    st.dictionaries(st.sampled_from(sorted({k for ks in SECTIONS.values() for k in ks})), junk, max_size=4),
    max_size=4,
)


def render(cfg, store: Path) -> str:
    lines = []
    cfg = {"study": {}, **cfg}  # without [study] a config is a valid default scan; always aim at the existing study
    for section, items in cfg.items():
        lines.append(f"[{section}]")
        if section == "study":
            items = {**items, "store": str(store)}  # always aim at the existing study: it must survive
        lines += [f"{k} = {toml_value(v)}" for k, v in items.items() if v is not None]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(cfg=configs, garbage=st.one_of(st.none(), st.binary(max_size=40)))
def test_malformed_configs_give_a_clean_error_and_leave_the_study_alone(study, cfg, garbage):
    before = sha(study)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.toml"
        if garbage is None:
            path.write_text(render(cfg, study), encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(garbage)
        try:
            load_config(path)
        except ActiveScienceError as err:
            assert "\n" not in str(err).strip()  # one line
        # the CLI either rejects the config (exit 2) or refuses to overwrite the existing study (exit 2)
        assert main(["run", str(path), "--no-progress"]) == 2
    assert sha(study) == before


@SETTINGS
@given(dims=st.one_of(junk, st.dictionaries(st.text(max_size=6), junk, max_size=3)), constraint=junk, coordinates=junk)
def test_parameter_space_rejects_junk_cleanly(dims, constraint, coordinates):
    try:
        space = ParameterSpace(dims, constraint=constraint, coordinates=coordinates)
    except ActiveScienceError:
        return
    space.sample(3, seed=0)  # whatever was accepted is a usable space


@SETTINGS
@given(pid=st.one_of(st.integers(-2, 4), junk), value=arrays, variance=st.one_of(st.none(), arrays))
def test_tell_rejects_junk_cleanly(pid, value, variance):
    loop = ActiveLoop(ParameterSpace({"x": (0.0, 1.0)}), "random", seed=0)
    loop.ask(2)
    try:
        loop.tell(pid, value, variance)
    except ActiveScienceError:
        return
    told = loop.told[int(pid)]
    assert told.failed or np.all(np.isfinite(told.value))  # non-finite results become failures, never GP data


@SETTINGS
@given(output=arrays)
def test_objective_outputs_are_checked(output):
    try:
        obs = CallableObjective(lambda th, seed: output).evaluate(np.zeros(1), 0)
    except ActiveScienceError:
        return
    assert math.isfinite(obs.value)


@SETTINGS
@given(
    kwargs=st.fixed_dictionaries(
        {},
        optional={
            k: junk for k in ("level", "scale", "strategy", "batch_size", "seed", "tolerance", "clip", "targets", "candidates", "retry", "num_reference")
        },
    ).filter(lambda kw: kw.get("executor") != "ray"),
    budget=junk,
)
def test_exclusion_scan_rejects_junk_and_never_touches_an_existing_study(study, kwargs, budget):
    before = sha(study)
    try:
        scan = ExclusionScan(lambda th, seed: 0.5, ParameterSpace({"x": (0.0, 1.0)}), store=study, **kwargs)
        scan.run(budget)
    except ActiveScienceError:
        pass
    else:  # pragma: no cover - the study exists, so run() must refuse
        raise AssertionError("run() overwrote an existing study")
    assert sha(study) == before


RESUME_ARGS = st.lists(
    st.sampled_from(["--max-evaluations", "-3", "0", "x", "--executor", "threads", "ray", "--address", "nowhere:1", "--bogus", "--no-progress"]),
    min_size=1,
    max_size=5,
)


@SETTINGS
@given(args=RESUME_ARGS, command=st.sampled_from(["resume", "report", "list", "nope"]))
def test_cli_with_bad_arguments_exits_2_and_never_touches_the_study(study, args, command):
    if command == "resume" and "--address" not in args and not any(a in args for a in ("-3", "0", "x", "threads", "--bogus")):
        return  # a well-formed resume would legitimately continue the study
    if command == "resume" and "ray" in args and "--address" not in args:
        return  # would start a local Ray
    before = sha(study)
    try:
        code = main([command, str(study), *args])
    except SystemExit as exc:  # argparse: usage errors exit 2 (never a traceback)
        code = exc.code
    assert code == 2 or (command == "report" and code == 0) or (command == "list" and code == 2)
    assert sha(study) == before
