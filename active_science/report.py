"""``active-science report``: a self-contained HTML page for a finished or running study.

Figures are embedded as base64 PNG, so the page can be mailed or attached to an elog entry as one file. The study
file is opened read-only (SWMR reading works while the study is still running).
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from active_science.store import Store

__all__ = ["write_report", "study_summary"]

logger = logging.getLogger(__name__)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def study_summary(store: Store) -> dict[str, Any]:
    """Numbers shown in the report (also handy in tests)."""
    props = store.proposals()
    evals = store.evaluations()
    rounds = store.rounds()
    events = store.events()
    ok = evals[evals["status"] == 1]
    failed = evals[evals["status"] == 0]
    t = np.concatenate([events["time"], rounds["time"], evals["time"]])
    summary = {
        "kind": store.kind,
        "num_proposed": int(len(props)),
        "num_evaluations": int(len(evals)),
        "num_ok": int(len(ok)),
        "num_failed": int(len(failed)),
        "num_pending": int(len(set(props["id"].tolist()) - set(evals["id"].tolist()))),
        "num_rounds": int(len(rounds)),
        "mean_duration_s": float(np.mean(evals["duration"])) if len(evals) else float("nan"),
        "fit_seconds": float(np.sum(rounds["fit_seconds"])) if len(rounds) else 0.0,
        "propose_seconds": float(np.sum(rounds["propose_seconds"])) if len(rounds) else 0.0,
        "elapsed_s": float(np.max(t) - np.min(t)) if len(t) else float("nan"),
        "last_event": events["kind"][-1].decode() if len(events) else "",
        "failures": [(int(r["id"]), r["error"].decode()) for r in failed],
    }
    if store.kind == "exclusion_scan":  # the other kinds have no uncertain fraction (their rounds store NaN or 0)
        summary["uncertain_fraction"] = float(rounds["uncertain_fraction"][-1]) if len(rounds) else float("nan")
    return summary


def _figures(store: Store) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The study kind's result numbers and its figures as inline PNGs (a figure that fails is logged and skipped:
    the page is still written, with the numbers and the tables)."""
    import matplotlib

    matplotlib.use("Agg")
    from active_science.report_sections import SECTIONS

    builder = SECTIONS.get(store.kind)
    if builder is None:
        return {}, []
    try:
        section = builder(store)
    except Exception as err:  # noqa: BLE001 - a report of a broken or partial study still shows what it can
        logger.warning("report figures of this %s study failed: %s", store.kind, err)
        return {"figures_error": f"{type(err).__name__}: {err}"}, []
    return section.numbers, [(caption, _png(fig)) for caption, fig in section.figures]


def write_report(path: str | os.PathLike[str], *, out: str | os.PathLike[str] | None = None) -> Path:
    """Write ``report.html`` for the study at ``path`` into ``out`` (default: beside the study file)."""
    path = Path(path)
    with Store.open(path) as store:
        summary = study_summary(store)
        results, figs = _figures(store)
        config = store.config
        prov = store.provenance
        events = store.events()
    out_dir = Path(out) if out is not None else path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}_report.html"
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td id='{html.escape(k)}'>{html.escape(str(v))}</td></tr>"
        for k, v in summary.items()
        if k != "failures"
    )
    result_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td id='{html.escape(k)}'>{html.escape(str(v))}</td></tr>" for k, v in results.items()
    ) or "<tr><td colspan=2>no results yet</td></tr>"
    fails = "".join(f"<tr><td>{i}</td><td>{html.escape(e)}</td></tr>" for i, e in summary["failures"]) or "<tr><td colspan=2>none</td></tr>"
    ev = "".join(
        f"<tr><td>{datetime.fromtimestamp(float(e['time']), timezone.utc).isoformat(timespec='seconds')}</td><td>{html.escape(e['kind'].decode())}</td><td>{html.escape(e['message'].decode())}</td></tr>"
        for e in events
    )
    imgs = "".join(f"<figure><img alt='{html.escape(t)}' src='{src}'><figcaption>{html.escape(t)}</figcaption></figure>" for t, src in figs)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>active-science report: {html.escape(path.name)}</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:90%}}figure{{display:inline-block;margin:0.5em}}
pre{{background:#f6f6f6;padding:0.6em;overflow:auto;font-size:85%}}</style></head><body>
<h1>{html.escape(summary['kind'].replace('_', ' '))}: {html.escape(path.name)}</h1>
<h2>Summary</h2><table id="summary">{rows}</table>
<h2>Result</h2><table id="result">{result_rows}</table>
<h2>Figures</h2>{imgs}
<h2>Failures</h2><table id="failures"><tr><th>id</th><th>reason</th></tr>{fails}</table>
<h2>Timeline</h2><table id="events"><tr><th>time (UTC)</th><th>event</th><th>detail</th></tr>{ev}</table>
<h2>Configuration</h2><pre id="config">{html.escape(json.dumps(config, indent=2))}</pre>
<h2>Provenance</h2><pre id="provenance">{html.escape(json.dumps(prov, indent=2))}</pre>
</body></html>"""
    target.write_text(page, encoding="utf-8")
    return target
