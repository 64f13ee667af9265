"""The Textual app: holds the bank and the store, and moves between screens. Kept thin on purpose;
each screen lives in its own module under ``screens/``."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.widgets import HelpPanel

from ..bank import Bank, LoadResult, Problem, SimLink
from ..bank.cache import load_bank_cached
from ..locations import bundled_bank
from ..locations import data_dir as default_data_dir
from ..store import Store
from ..study.session import select
from .screens.home import HomeScreen

STARTS = ("home", "study")


class QuizApp(App[None]):
    """quizapp's TUI: home, study sessions with feedback, and live simulations."""

    CSS_PATH = "app.tcss"
    TITLE = "quizapp"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "toggle_keys", "Keys", key_display="?", id="app.keys"),
    ]

    def __init__(
        self,
        bank_dir: Path,
        loaded: LoadResult,
        store: Store,
        *,
        start: str = "home",
        domain: str | None = None,
        tag: str | None = None,
        backend: str | None = None,
    ) -> None:
        super().__init__()
        self.bank_dir = bank_dir
        self.bank: Bank | None = loaded.bank
        self.problems: list[Problem] = loaded.problems
        self.store = store
        self.start = start
        self.domain = domain
        self.tag = tag
        self.backend = backend

    @property
    def bank_title(self) -> str:
        """The bank's title, or its folder when bank.yaml is unusable."""
        return self.bank.title if self.bank else str(self.bank_dir)

    def on_mount(self) -> None:
        """Show home, and go straight into a study session when started that way."""
        self.push_screen(HomeScreen())
        if self.start == "study":
            self.start_study(self.domain, self.tag)

    def on_unmount(self) -> None:
        """Close the store's connection."""
        self.store.close()

    def start_study(self, domain: str | None = None, tag: str | None = None) -> bool:
        """Open a study session on the matching questions; False (and a notice) when none match."""
        from .screens.question import QuestionScreen

        questions = select(self.bank.questions, domain, tag) if self.bank else []
        if not questions:
            filters = (("domain", domain), ("tag", tag))
            what = " and ".join(f"{k} '{v}'" for k, v in filters if v) or "this bank"
            self.notify(f"No questions for {what}.", severity="warning", markup=False)
            return False
        self.push_screen(QuestionScreen(questions))
        return True

    def open_simulation(self, link: SimLink) -> None:
        """Show a linked simulation, run with the link's parameters."""
        import sims

        from .screens.simulation import SimulationScreen  # plotext loads with the first simulation shown

        try:
            simulation = sims.get(link.id)
        except sims.UnknownSimulation as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.push_screen(SimulationScreen(simulation, link.params, backend=self.backend))

    def action_toggle_keys(self) -> None:
        """Show or hide the panel of keys for the current screen."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(
    bank_dir: Path | None = None,
    data_dir: Path | None = None,
    *,
    start: str = "home",
    domain: str | None = None,
    tag: str | None = None,
    backend: str | None = None,
) -> QuizApp:
    """Build the app: load the bank (bundled by default) and open the store (StoreError if it cannot)."""
    if start not in STARTS:
        raise ValueError(f"start must be one of {', '.join(STARTS)}, not {start!r}")
    bank_dir = Path(bank_dir) if bank_dir is not None else bundled_bank()
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    store = Store.in_dir(data)
    loaded = load_bank_cached(bank_dir, data / "cache")  # a large bank opens from its index
    return QuizApp(bank_dir, loaded, store, start=start, domain=domain, tag=tag, backend=backend)
