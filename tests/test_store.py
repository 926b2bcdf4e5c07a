import numpy as np
import pytest

from active_science import Store, StoreError, StudyExistsError
from active_science.evaluation import Evaluation, Proposal


def make(path, **kw):
    return Store.create(path, kind="exclusion_scan", config={"seed": 1}, param_names=["a", "b"], **kw)


def test_round_trip_of_every_table(study_path):
    with make(study_path) as st:
        st.add_proposal(Proposal(0, np.array([1.0, 2.0]), 11, 0))
        st.add_proposal(Proposal(1, np.array([3.0, 4.0]), 12, 0))
        st.add_evaluation(Evaluation(1, np.array([3.0, 4.0]), "ok", 0.25, 1e-3, attempts=2, duration=0.5, worker="w:1", extras={"exp": [0.1, 0.2]}))
        st.add_evaluation(Evaluation(0, np.array([1.0, 2.0]), "failed", error="ValueError: boom " + "x" * 2000))
        st.add_round(round=0, num_evaluations=2, num_failed=1, uncertain_fraction=0.4, contour_change=1.0, fit_seconds=0.1, propose_seconds=0.2)
        st.put_arrays("surrogate", 0, {"lengthscale": np.array([0.3, 0.4]), "counts": np.arange(6, dtype=np.int32).reshape(2, 3)})
    with Store.open(study_path) as st:
        assert st.kind == "exclusion_scan" and st.config == {"seed": 1} and st.param_names == ["a", "b"]
        props = st.proposals()
        np.testing.assert_array_equal(props["theta"], [[1.0, 2.0], [3.0, 4.0]])
        ev = st.evaluations()
        assert ev["id"].tolist() == [1, 0] and ev["status"].tolist() == [1, 0]
        assert ev["error"][1].decode().startswith("ValueError: boom") and ev["error"][1].decode().endswith("...")
        arr = st.get_arrays("surrogate")
        assert arr["counts"].dtype == np.int32 and arr["counts"].tolist() == [[0, 1, 2], [3, 4, 5]]
        assert st.rounds()["uncertain_fraction"].tolist() == [0.4]
        assert [e.decode() for e in st.events()["kind"]] == ["created"]
        assert "versions" in st.provenance


def test_existing_file_is_never_overwritten_without_force(study_path):
    with make(study_path) as st:
        st.add_proposal(Proposal(0, np.array([1.0, 2.0]), 11, 0))
    before = study_path.read_bytes()
    with pytest.raises(StudyExistsError, match="--force"):
        make(study_path)
    assert study_path.read_bytes() == before
    make(study_path, force=True).close()
    with Store.open(study_path) as st:
        assert len(st.proposals()) == 0


def test_read_only_store_refuses_writes(study_path):
    make(study_path).close()
    with Store.open(study_path) as st, pytest.raises(StoreError, match="read-only"):
        st.add_proposal(Proposal(0, np.array([1.0, 2.0]), 11, 0))


def test_reader_sees_rows_while_the_writer_is_open(study_path):
    writer = make(study_path)
    writer.add_proposal(Proposal(0, np.array([1.0, 2.0]), 11, 0))
    with Store.open(study_path) as reader:
        assert len(reader.proposals()) == 1
    writer.close()


def test_not_a_study_file(tmp_path):
    import h5py

    p = tmp_path / "other.h5"
    with h5py.File(p, "w") as f:
        f["x"] = 1
    with pytest.raises(StoreError, match="not an active-science study"):
        Store.open(p)
    q = tmp_path / "text.h5"
    q.write_text("hello")
    with pytest.raises(StoreError, match="not a readable HDF5"):
        Store.open(q)
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "missing.h5")


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        make(tmp_path / "nope" / "s.h5")
