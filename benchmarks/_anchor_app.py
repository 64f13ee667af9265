"""The anchors: a bare Textual app with a header, a label and a footer.

``python benchmarks/_anchor_app.py`` draws the label "anchor ready"; each Enter updates it to
"anchor pressed N". startup.py times the first, keypress.py the second, against quizapp in the
same run, so the ratios do not depend on the machine.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Label


class Anchor(App[None]):
    """The least a Textual app with a header, a label and a footer does."""

    BINDINGS = [("q", "quit", "Quit"), ("enter", "press", "Press")]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("anchor ready", id="label")
        yield Footer()

    def action_press(self) -> None:
        self.presses += 1
        self.query_one("#label", Label).update(f"anchor pressed {self.presses}")


if __name__ == "__main__":
    Anchor().run()
