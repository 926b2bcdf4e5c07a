"""docs/api.md is written from the docstrings (``make docs``); it must match what the code documents now."""

from pathlib import Path

from active_science.apidoc import SECTIONS, render

API_MD = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_docs_api_md_is_up_to_date():
    assert API_MD.read_text(encoding="utf-8") == render(), "docs/api.md is stale: run `make docs` and commit it"


def test_every_public_name_of_every_section_is_documented():
    import importlib

    text = render()
    for module_name, _ in SECTIONS:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) or callable(obj):
                assert f"## `{name}" in text, f"{module_name}.{name} is missing from the API reference"
