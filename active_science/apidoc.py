"""The API reference (``docs/api.md``), written from the public entry points' own docstrings.

Hand-written so the reference needs no documentation toolchain (sphinx/mkdocs would add a dependency tree for one
page); the docstrings are the single source, their examples are doctested by the test suite, and a test checks that
``docs/api.md`` equals what this module writes now (``make docs`` rewrites it).

Example:
    >>> text = render()
    >>> "## `ExclusionScan" in text and "## `RatioPosterior" in text
    True
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

#: (module, title) of each section; each module's ``__all__`` lists its public names
SECTIONS = [
    ("active_science", "Core: spaces, loops, scans, designs, study files"),
    ("active_science.ratio", "Likelihood-ratio estimators (gold mining), posteriors"),
    ("active_science.ratio_scan", "Exclusion contours from retrained ratio estimators"),
]


class _Annotation(str):
    """A string annotation shown as written (``x: int``, not ``x: 'int'``; the modules use postponed annotations)."""

    def __repr__(self) -> str:
        return str(self)


def _signature(obj: Any) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    def plain(a: Any) -> Any:
        return _Annotation(a) if isinstance(a, str) else a

    params = [p.replace(annotation=plain(p.annotation)) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=plain(sig.return_annotation)))


def _doc(obj: Any) -> str:
    """The docstring as markdown: prose as is, each doctest example fenced as ``pycon``."""
    lines, out, fenced = (inspect.getdoc(obj) or "(no docstring)").splitlines(), [], False
    for line in lines:
        code = line.strip().startswith((">>>", "...")) or (fenced and line.strip() != "")
        if code and not fenced:
            out.append("```pycon")
            fenced = True
        elif not code and fenced:
            out.append("```")
            fenced = False
        out.append(line.strip() if fenced else line)
    if fenced:
        out.append("```")
    return "\n".join(out)


def _methods(cls: type) -> list[str]:
    rows = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        doc = (inspect.getdoc(member) or "").strip().splitlines()
        sig = "" if isinstance(member, property) else _signature(member)
        rows.append(f"- `{name}{sig}`" + (f": {doc[0]}" if doc else ""))
    return rows


def render() -> str:
    """The whole reference page as markdown."""
    parts = [
        "# API reference",
        "",
        "Written by `python -m active_science.apidoc` (`make docs`) from the docstrings; every example below runs in the",
        "test suite (`--doctest-modules`).",
    ]
    for module_name, title in SECTIONS:
        module = importlib.import_module(module_name)
        parts += ["", f"# `{module_name}`: {title}"]
        for name in sorted(n for n in module.__all__ if not n.startswith("_")):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            kind = "class" if inspect.isclass(obj) else "function"
            parts += ["", f"## `{name}{_signature(obj)}`", "", f"*{kind}* in `{obj.__module__}`", "", _doc(obj)]
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                methods = _methods(obj)
                if methods:
                    parts += ["", "Methods and properties:", "", *methods]
    return "\n".join(parts) + "\n"


def write(path: str | Path = Path(__file__).resolve().parent.parent / "docs" / "api.md") -> Path:
    """Write the reference to ``path`` (default ``docs/api.md`` of the repository) and return the path."""
    path = Path(path)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(f"API reference written to {write()}")
