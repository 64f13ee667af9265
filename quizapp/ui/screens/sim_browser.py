"""The simulation browser: every registered simulation, narrowed by a filter, opened at its defaults."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

import sims

from ...text import plain
from ..widgets.prose import literal


def matches(simulation: sims.Simulation, query: str) -> bool:
    """Whether every word of the query occurs (case-insensitively) in the id, title or claim, as
    written or as shown (so that 'sqrt' and '√' both find a claim written with $\\sqrt{...}$)."""
    written = f"{simulation.title} {simulation.claim}"
    haystack = f"{simulation.id} {written} {plain(written)}".lower()
    return all(word in haystack for word in query.lower().split())


class SimBrowserScreen(Screen[None]):
    """Lists every simulation (id and title) with the highlighted one's claim; Enter opens it."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="sim_browser.back"),
        Binding("enter", "open", "Open", id="sim_browser.open"),
        Binding("down", "move(1)", "Next", show=False, id="sim_browser.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="sim_browser.up"),
        Binding("slash", "focus_filter", "Filter", key_display="/", id="sim_browser.filter"),
    ]

    AUTO_FOCUS = "#browser-filter"

    def __init__(self) -> None:
        super().__init__()
        self.simulations = {sim.id: sim for sim in sims.all_simulations()}
        self.id_width = max((len(i) for i in self.simulations), default=0) + 2
        """The id column's width: titles line up after it."""
        self.shown_query = ""
        """The filter the list shows."""

    def compose(self) -> ComposeResult:
        """Title, filter, the list, the highlighted simulation's claim."""
        yield Static(id="browser-title", classes="title-bar")
        yield Input(placeholder="filter: words in the id, title or claim", id="browser-filter", compact=True)
        yield OptionList(id="browser-list")
        yield Static(id="browser-detail")
        yield Footer()

    def on_mount(self) -> None:
        """Show them all."""
        self.refilter("")

    def refilter(self, query: str) -> None:
        """List the simulations that match the query, the first one highlighted."""
        self.shown_query = query
        shown = [sim for sim in self.simulations.values() if matches(sim, query)]
        options = self.query_one("#browser-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content.assemble((sim.id.ljust(self.id_width), "bold"), plain(sim.title)), id=sim.id)
            for sim in shown
        )
        count = f"{len(shown)} of {len(self.simulations)}" if query.strip() else f"{len(shown)}"
        self.query_one("#browser-title", Static).update(
            Content.assemble(("Simulations  ", "bold"), (f"{count} — Enter opens one at its defaults", "dim"))
        )
        if shown:
            options.highlighted = 0
        self.show_detail(shown[0].id if shown else None, query)

    def show_detail(self, sim_id: str | None, query: str = "") -> None:
        """The highlighted simulation's title and claim (or why the list is empty)."""
        detail = self.query_one("#browser-detail", Static)
        if sim_id is None:
            detail.update(literal(f"No simulation matches '{query.strip()}'.", "italic"))
            return
        sim = self.simulations[sim_id]
        detail.update(
            Content.assemble((plain(sim.title), "bold"), "\n", ("Claim: ", "bold"), plain(sim.claim))
        )

    @property
    def highlighted(self) -> str | None:
        """The id of the highlighted simulation, if any."""
        options = self.query_one("#browser-list", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    @on(Input.Changed, "#browser-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Narrow the list as the learner types."""
        self.refilter(event.value)

    @on(Input.Submitted, "#browser-filter")
    def filter_submitted(self) -> None:
        """Enter in the filter opens the highlighted simulation (after the keys typed before it: a
        priority binding would run ahead of them)."""
        self.action_open()

    @on(OptionList.OptionHighlighted, "#browser-list")
    def option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted simulation's claim."""
        self.show_detail(event.option.id)

    @on(OptionList.OptionSelected, "#browser-list")
    def option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on the list opens that simulation."""
        self.open(event.option.id)

    def action_move(self, step: int) -> None:
        """Move the highlight while the focus stays in the filter."""
        options = self.query_one("#browser-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_focus_filter(self) -> None:
        """Back to the filter, to narrow the list."""
        self.query_one("#browser-filter", Input).focus()

    def action_open(self) -> None:
        """Open the highlighted simulation."""
        typed = self.query_one("#browser-filter", Input).value
        if typed != self.shown_query:  # Enter typed right after the text: its Changed is still queued
            self.refilter(typed)
        self.open(self.highlighted)

    def open(self, sim_id: str | None) -> None:
        """Show a simulation's screen at its defaults (run at once, with the app's backend)."""
        if sim_id is None:
            return
        from .simulation import SimulationScreen  # plotext loads with the first simulation shown

        backend = getattr(self.app, "backend", None)
        self.app.push_screen(SimulationScreen(sims.get(sim_id), backend=backend))

    def action_back(self) -> None:
        """Back to where the browser was opened."""
        self.dismiss(None)
