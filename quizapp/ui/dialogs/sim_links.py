"""The question's own simulations, offered when `s` is pressed on an option that has none."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...bank.models import SimLink
from ...text import plain
from .keys import KEYS_BINDING


class SimLinksDialog(ModalScreen[SimLink | None]):
    """Says which option has no simulation and lists the question's links; dismisses with the link
    picked, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sim-links.cancel"), KEYS_BINDING]

    def __init__(self, message: str, links: Sequence[tuple[SimLink, str]]) -> None:
        super().__init__()
        self.message = message
        self.links = list(links)

    def compose(self) -> ComposeResult:
        """The message, the links (each with where it comes from) and a hint."""
        with Vertical(id="sim-links-dialog", classes="dialog confirm-dialog"):
            yield Static(Content.styled("No simulation for this option", "bold"), classes="dialog-title")
            yield Static(Content(self.message), id="sim-links-message")
            options = [
                Option(
                    Content.assemble(plain(link.label or link.id), (f"  {source}" if source else "", "dim")),
                    id=str(index),
                )
                for index, (link, source) in enumerate(self.links)
            ]
            yield OptionList(*options, id="sim-links-list")
            hint = Content.assemble(("Enter", "bold"), " opens one, ", ("esc", "bold"), " goes back")
            yield Static(hint, classes="dim")

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one("#sim-links-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#sim-links-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        """Enter on a link: open it."""
        self.dismiss(self.links[event.option_index][0])

    def action_cancel(self) -> None:
        """Back to the question."""
        self.dismiss(None)
