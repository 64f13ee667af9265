"""The command line: argument parsing and dispatch, nothing else.

Exit codes: 0 success, 1 the command found problems, 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__, export_commands, record_commands, serve
from . import commands as cmd
from .commands import OK, PROBLEMS, USAGE, UsageError
from .locations import DataDirError

BACKENDS = ("numpy", "cupy", "auto")
POSIX_ONLY = (
    "quizapp runs on POSIX systems only (Linux, macOS): it watches the terminal for a hang-up and runs"
    " timing simulations in a child process it polls with select(). On Windows, run it in WSL."
)


def _globals() -> argparse.ArgumentParser:
    """--bank, --data-dir and --theme, accepted before or after the subcommand."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--bank", metavar="DIR", default=argparse.SUPPRESS, help="question bank folder (default: bundled)"
    )
    shared.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="where history is kept (or $QUIZAPP_DATA_DIR)",
    )
    shared.add_argument(
        "--theme",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the TUI's colour theme, e.g. textual-light, kept for the next start as a pick in ctrl+p →"
        " Theme is (default: the one chosen last); commands without the TUI ignore it",
    )
    return shared


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    shared = _globals()
    parser = argparse.ArgumentParser(
        prog="quizapp",
        parents=[shared],
        description="Scenario questions on ML architecture, each answer proven by a live simulation.",
    )
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str, into: Any = sub) -> argparse.ArgumentParser:
        return into.add_parser(name, parents=[shared], help=text, description=text)

    study = command("study", "study with feedback after every answer")
    study.add_argument("--domain", metavar="D", help="only this domain (its id: see `quizapp domains`)")
    study.add_argument("--tag", metavar="T", help="only questions with this tag")
    study.add_argument(
        "--due", action="store_true", help="due reviews first (FSRS schedule), then questions never answered"
    )

    command("domains", "the bank's domains: the ids --domain takes, titles and question counts")

    validate = command("validate", "check banks or question files: PATH:LINE:COL: message")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="bank folders or files (default: the bank)"
    )
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    lint = command("lint", "validate, then run every linked simulation and report claims that fail")
    lint.add_argument("paths", nargs="*", metavar="PATH", help="bank folders or files (default: the bank)")
    lint.add_argument("--backend", choices=BACKENDS, default=None, help="array backend for the simulations")

    schema = command("schema", "print the JSON Schema of a question file (for editors)")
    schema.add_argument("--manifest", action="store_true", help="the schema of bank.yaml instead")

    new = command("new", "write a question skeleton that validates once its texts are filled")
    new.description = (
        "Write a question skeleton that validates once its texts are filled; an existing file is never"
        " replaced. Its domain is --domain, which must be a domain the bank above PATH declares in its"
        " bank.yaml; else the domain whose folder PATH is written into (a folder named by a declared"
        " domain id, or whose questions all share one domain), or the bank's only domain; else it is left"
        " empty for you to set, and the command says so. Outside any bank (no bank.yaml above PATH)"
        " domains cannot be checked."
    )
    new.add_argument("path", metavar="PATH", help="the new .yaml file (its name becomes the question id)")
    new.add_argument(
        "--domain",
        metavar="D",
        help="a domain id declared in the bank's bank.yaml (default: the domain of the folder PATH is in)",
    )

    exam = command("exam", "a timed practice exam, scored at the end")
    exam.add_argument("--questions", type=int, metavar="N", help="how many questions (default: the bank's)")
    exam.add_argument(
        "--minutes",
        type=float,
        metavar="M",
        help="time limit (default: the bank's minutes per question times the questions drawn)",
    )
    exam.add_argument("--domain", metavar="D", help="only this domain (its id: see `quizapp domains`)")
    exam.add_argument("--seed", type=int, metavar="S", help="fix the draw and every question's option order")
    exam.add_argument("--resume", action="store_true", help="resume the unfinished exam")

    history = command("history", "past exams and study sessions")
    history.add_argument("--json", action="store_true", help="print the exams as JSON, each with its status")
    history.add_argument(
        "--csv",
        metavar="OUT",
        help="write a CSV: one row per study answer and per question of every submitted exam",
    )

    sim = command("sim", "list or run the simulations")
    sim_sub = sim.add_subparsers(dest="sub_command", metavar="ACTION", required=True)
    command("list", "every simulation: id, title, claim", sim_sub)
    show = command(
        "show", "one simulation: claim, counter and every parameter (type, range, default)", sim_sub
    )
    show.add_argument("id", help="simulation id (see `quizapp sim list`)")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    run = command("run", "run one simulation headless", sim_sub)
    run.add_argument("id", help="simulation id (see `quizapp sim list`)")
    run.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="K=V", help="set a parameter"
    )
    run.add_argument("--counter", action="store_true", help="run the setting where the claim must not hold")
    run.add_argument("--backend", choices=BACKENDS, default=None, help="array backend (or $QUIZAPP_BACKEND)")
    run.add_argument("--json", action="store_true", help="print one JSON object")

    _memory_commands(command)

    export = command("export", "write the bank in another format")
    export_sub = export.add_subparsers(dest="sub_command", metavar="FORMAT", required=True)
    command("gift", "Moodle's GIFT text format", export_sub).add_argument(
        "out", metavar="OUT", help="file to write"
    )
    anki = command("anki", "an Anki deck (.apkg), one note per question", export_sub)
    anki.description = (
        "An Anki deck (.apkg), one note per question: the front shows the scenario, requirements, prompt"
        " and the options lettered A, B, C ... in file order; the back the answer, every option's why,"
        " the analysis, traps and references; math is typeset by Anki's MathJax. Each note is keyed on its"
        " question id, so importing a later export updates the notes already imported and keeps their"
        " review history. Tags: quizapp, the domain id and the question's tags."
    )
    anki.add_argument("out", metavar="OUT.apkg", help="file to write (must end in .apkg)")

    web = command("serve", "serve the whole TUI to a browser: one app process per tab, same data folder")
    web.description = (
        "Serve the whole TUI to a web browser with textual-serve: each browser tab gets its own quizapp"
        " process with the same bank and data folder as the terminal. It binds to 127.0.0.1 unless told"
        " otherwise; there is no login, so anyone who can reach the port can use the app and its data"
        " folder: serve on localhost or a trusted network only. Ctrl-C or SIGTERM stops it and every tab."
    )
    web.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    web.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)"
    )

    imp = command("import", "turn another format into question files")
    import_sub = imp.add_subparsers(dest="sub_command", metavar="FORMAT", required=True)
    gift_in = command("gift", "Moodle's GIFT text format", import_sub)
    gift_in.add_argument("source", metavar="IN", help="GIFT file to read")
    gift_in.add_argument("outdir", metavar="OUTDIR", help="folder for the YAML files")
    return parser


def _memory_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """`quizapp stats` and `quizapp plan`: what the memory schedule knows, and the exam it aims at."""
    stats = command(
        "stats", "readiness per domain, pass probability, due forecast, misconceptions, predictions"
    )
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.add_argument(
        "--exam-date", metavar="YYYY-MM-DD", help="aim at this date instead of the stored one (not stored)"
    )
    plan = command("plan", "store the exam date that readiness and the pass probability aim at")
    plan.add_argument("--exam-date", metavar="YYYY-MM-DD", help="the day of the exam (today or later)")
    plan.add_argument(
        "--prior",
        type=float,
        metavar="P",
        help="chance that a question never answered is right on the day, 0..1 (default 0.5)",
    )


COMMANDS: dict[tuple[str | None, str | None], Callable[[argparse.Namespace], int]] = {
    (None, None): cmd.tui,
    ("study", None): cmd.tui,
    ("exam", None): cmd.tui,
    ("history", None): record_commands.history,
    ("validate", None): cmd.validate,
    ("lint", None): cmd.lint,
    ("schema", None): cmd.schema,
    ("new", None): cmd.new,
    ("sim", "list"): cmd.sim_list,
    ("sim", "run"): cmd.sim_run,
    ("sim", "show"): cmd.sim_show,
    ("domains", None): cmd.domains,
    ("stats", None): record_commands.stats,
    ("plan", None): record_commands.plan,
    ("export", "gift"): export_commands.export_gift,
    ("export", "anki"): export_commands.export_anki,
    ("import", "gift"): export_commands.import_gift,
    ("serve", None): serve.serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizapp` console script."""
    if sys.platform == "win32":  # said plainly here, rather than as an AttributeError from deep inside
        print(f"quizapp: {POSIX_ONLY}", file=sys.stderr)
        return PROBLEMS
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[(args.command, getattr(args, "sub_command", None))](args)
    except UsageError as exc:
        print(f"quizapp: error: {exc}", file=sys.stderr)
        return USAGE
    except DataDirError as exc:  # e.g. `--data-dir /etc/passwd`: said plainly, not as [Errno 17]
        print(f"quizapp: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `quizapp validate | head`: the reader left, which is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
