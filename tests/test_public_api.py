"""Every public entry point (``active_science.__all__``) documents itself with a runnable example: the doctest
collector (``--doctest-modules``) runs each one, this test makes sure none is missing."""

import inspect

import pytest

import active_science as asci

PUBLIC = [name for name in asci.__all__ if not name.startswith("__")]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_a_docstring_with_a_runnable_example(name):
    doc = inspect.getdoc(getattr(asci, name)) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Example:" in doc and ">>>" in doc, f"{name}'s docstring has no runnable 'Example:' section"


def test_the_public_api_is_not_empty():
    assert {"ExclusionScan", "ActiveLoop", "ParameterSpace", "DesignStudy"} <= set(PUBLIC)
