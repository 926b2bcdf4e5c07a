"""The ``active-science`` command: demo, run, resume, report, list.

Bad input exits with code 2 and a one-line reason on stderr; nothing is written or overwritten in that case.
Ctrl-C exits with code 130 after the study file was closed cleanly (resume it later).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from active_science.exceptions import ActiveScienceError, InvalidInputError, StoreWriteFailedError, StudyExistsError

__all__ = ["main"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + message; keep it to one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="active-science", description="Adaptive simulation studies: exclusion scans, experiment design.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("demo", help="run the default adaptive scan of the mass-plane toy and draw its contour")
    d.add_argument("--out", default="demo", help="output directory (default: demo/)")
    d.add_argument("--executor", choices=["serial", "ray"], default="ray")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--strategy", default=None, help="strategy name (default: the library default; see `list`)")
    d.add_argument("--max-evaluations", type=int, default=320, help="budget (default 320 = 1/5 of a 40x40 grid)")
    d.add_argument("--force", action="store_true", help="overwrite an existing demo study file")
    d.add_argument("--no-progress", action="store_true")

    r = sub.add_parser("run", help="run a study described by a TOML config file")
    r.add_argument("config", help="CONFIG.toml")
    r.add_argument("--force", action="store_true", help="overwrite an existing study file")
    r.add_argument("--no-progress", action="store_true")

    s = sub.add_parser("resume", help="continue an interrupted study from its HDF5 file")
    s.add_argument("study", help="STUDY.h5")
    s.add_argument("--max-evaluations", type=int, default=None, help="new total budget (default: the original)")
    s.add_argument("--executor", choices=["serial", "ray"], default=None)
    s.add_argument("--address", default=None, help="Ray cluster address to run on")
    s.add_argument("--no-progress", action="store_true")

    rep = sub.add_parser("report", help="summarise a finished or running study")
    rep.add_argument("study", help="STUDY.h5")
    rep.add_argument("--out", default=None, help="directory for the HTML report and figures")

    sub.add_parser("list", help="list registered simulators and strategies")
    return p


# --------------------------------------------------------------------------------------------------- commands
def _cmd_list(args: argparse.Namespace) -> int:
    from active_science.registry import DEFAULT_STRATEGY, list_simulators, list_strategies

    print("simulators: " + ", ".join(list_simulators()))
    print("strategies: " + ", ".join(s + (" (default)" if s == DEFAULT_STRATEGY else "") for s in list_strategies()))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import numpy as np

    from active_science.plots import contour_figure
    from active_science.registry import DEFAULT_STRATEGY, get_simulator
    from active_science.scan import ExclusionScan
    from active_science.stats.metrics import balanced_accuracy
    from active_science.store import Store

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"--out {str(out)!r} exists and is not a directory")
    study = out / "scan.h5"
    if study.exists() and not args.force:
        raise StudyExistsError(f"{str(study)!r} already exists; pass --force to overwrite it or choose another --out")
    if args.max_evaluations < 1:
        raise InvalidInputError(f"--max-evaluations {args.max_evaluations} must be >= 1")
    out.mkdir(parents=True, exist_ok=True)
    sim = get_simulator("mass_plane")
    scan = ExclusionScan(
        "mass_plane", level=0.05, strategy=args.strategy or DEFAULT_STRATEGY, batch_size=4, executor=args.executor, seed=args.seed,
        store=study, force=args.force, num_cpus=2 if args.executor == "ray" else None,
    )  # fmt: skip
    t0 = time.perf_counter()
    result = scan.run(max_evaluations=args.max_evaluations, progress=not args.no_progress)
    wall = time.perf_counter() - t0
    grid = sim.space.grid(300)
    acc = balanced_accuracy(result.excluded(grid), sim.truth_cls(grid) < 0.05)
    with Store.open(study) as st:
        rounds = dict(zip(st.proposals()["id"].tolist(), st.proposals()["round"].tolist()))
        ok_ids = st.evaluations()["id"][st.evaluations()["status"] == 1]
    from active_science.stats.contours import function_level_lines

    truth = function_level_lines(sim.truth_cls, sim.space, 0.05)
    fig = contour_figure(result, rounds=np.array([rounds[int(i)] for i in sorted(ok_ids)]), true_lines=truth)
    fig.savefig(out / "contour.png", dpi=130)
    grid_size = 40 * 40
    print(f"study file       {study}")
    print(f"contour figure   {out / 'contour.png'}")
    print(f"evaluations      {result.n_evaluations} ({result.n_evaluations / grid_size:.3f} of a 40x40 grid = {grid_size}); {result.n_failed} failed")
    print(f"stopped because  {result.stop_reason} after {result.n_rounds} rounds ({wall:.1f} s, executor={args.executor})")
    print(f"balanced accuracy vs exact contour (300x300 grid): {acc:.4f}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from active_science.studies import run_config

    return run_config(args.config, force=args.force, progress=not args.no_progress)


def _cmd_resume(args: argparse.Namespace) -> int:
    from active_science.studies import resume_study

    return resume_study(
        args.study, max_evaluations=args.max_evaluations, executor=args.executor, address=args.address,
        progress=not args.no_progress,
    )  # fmt: skip


def _cmd_report(args: argparse.Namespace) -> int:
    from active_science.report import write_report

    path = write_report(args.study, out=args.out)
    print(f"report written to {path}")
    return 0


COMMANDS = {"list": _cmd_list, "demo": _cmd_demo, "run": _cmd_run, "resume": _cmd_resume, "report": _cmd_report}


class CtrlC(KeyboardInterrupt):
    """Ctrl-C while the CLI runs: a KeyboardInterrupt subclass, raised by the CLI's own SIGINT handler.

    CPython (3.11, 3.12) sets a process-wide "unhandled KeyboardInterrupt" flag when code run by a *string* exec
    ends in an exception of exactly the type KeyboardInterrupt, even if a caller catches it later; under
    ``python -m`` it then re-raises SIGINT at exit (status -2) instead of using the CLI's exit code 130. A Ctrl-C that
    lands while a library builds a namedtuple or dataclass (both exec strings), e.g. during a lazy botorch import,
    hits this. A subclass is caught by every ``except KeyboardInterrupt`` but never sets the flag.
    """


def _raise_ctrl_c(signum: int, frame: object) -> None:
    raise CtrlC


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # our handler only where Python's default one is installed (not over a user's or an embedding app's handler)
    own_handler = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    previous = signal.signal(signal.SIGINT, _raise_ctrl_c) if own_handler else None
    try:
        return _main(args)
    finally:
        if own_handler:
            signal.signal(signal.SIGINT, previous)


def _main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except ActiveScienceError as err:
        print(f"error: {err}", file=sys.stderr)
        if isinstance(err, StoreWriteFailedError):  # HDF5 crashes finalising a handle whose write failed: skip it
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_BAD_INPUT)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: finished evaluations are saved; continue with `active-science resume STUDY.h5`", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
