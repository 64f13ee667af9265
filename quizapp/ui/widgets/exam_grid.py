"""Every question of an exam as a numbered cell (answered, unanswered, marked), with a cursor."""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...study.exam import ExamItem

MARK_ANSWERED = "●"
MARK_OPEN = "○"
MARK_FLAG = "⚑"
CELL_WIDTH = 9
"""'[ 12 ●⚑]' and the space before the next cell."""


def item_marks(item: ExamItem) -> tuple[tuple[str, str], tuple[str, str]]:
    """The answered mark and the flag mark of one question, each with its style."""
    answered = (MARK_ANSWERED, "$text-success") if item.answered else (MARK_OPEN, "$text-muted")
    flag = (MARK_FLAG, "bold $text-warning") if item.flagged else (" ", "")
    return answered, flag


def legend() -> Content:
    """What the marks mean."""
    return Content.assemble(
        (MARK_ANSWERED, "$text-success"),
        " answered   ",
        (MARK_OPEN, "$text-muted"),
        " unanswered   ",
        (MARK_FLAG, "bold $text-warning"),
        " marked   ",
        ("[ ]", "bold"),
        " the question on screen",
    )


class QuestionGrid(Widget, can_focus=True):
    """The exam's questions in rows of cells; arrows (or h/j/k/l) move, Enter picks one."""

    BINDINGS = [
        Binding("left,h", "move(-1, 0)", "Move", key_display="←↑↓→", id="grid.left"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="grid.right"),
        Binding("up,k", "move(0, -1)", "Up", show=False, id="grid.up"),
        Binding("down,j", "move(0, 1)", "Down", show=False, id="grid.down"),
        Binding("home", "jump(0)", "First", show=False, id="grid.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="grid.last"),
        Binding("enter,space", "pick", "Go to question", id="grid.pick"),
    ]

    DEFAULT_CSS = """
    QuestionGrid {
        height: auto;
    }
    """

    cursor: reactive[int] = reactive(0)
    """Index of the cell under the cursor."""

    class Picked(Message):
        """The learner picked a question (Enter or a click)."""

        def __init__(self, grid: QuestionGrid, index: int) -> None:
            super().__init__()
            self.grid = grid
            self.index = index

        @property
        def control(self) -> QuestionGrid:
            """The grid, for `@on(..., selector)`."""
            return self.grid

    def __init__(self, items: Sequence[ExamItem], current: int = 0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items = list(items)
        self.current = current
        self.set_reactive(QuestionGrid.cursor, current)

    @property
    def columns(self) -> int:
        """How many cells fit in a row."""
        return max(1, (self.size.width + 1) // CELL_WIDTH)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many rows as the cells need at this width."""
        return math.ceil(len(self.items) / max(1, (width + 1) // CELL_WIDTH))

    def render(self) -> Content:
        """The cells, row by row; the cursor cell reversed, the current question in brackets."""
        rows = []
        for start in range(0, len(self.items), self.columns):
            cells: list[Content] = []
            for index in range(start, min(start + self.columns, len(self.items))):
                answered, flag = item_marks(self.items[index])
                left, right = ("[", "]") if index == self.current else (" ", " ")
                cell = Content.assemble((f"{left}{index + 1:>3} ", "bold"), answered, flag, right)
                if index == self.cursor:
                    cell = cell.stylize("reverse" if self.has_focus else "underline")
                cells.append(cell)
            rows.append(Content(" ").join(cells))
        return Content("\n").join(rows)

    def on_focus(self) -> None:
        """Show the cursor as focused."""
        self.refresh()

    def on_blur(self) -> None:
        """Show the cursor as unfocused."""
        self.refresh()

    def action_move(self, dx: int, dy: int) -> None:
        """Move the cursor by cells and rows, stopping at the ends."""
        self.cursor = max(0, min(len(self.items) - 1, self.cursor + dx + dy * self.columns))

    def action_jump(self, index: int) -> None:
        """First (0) or last (-1) cell."""
        self.cursor = index % len(self.items)

    def action_pick(self) -> None:
        """Pick the question under the cursor."""
        self.post_message(self.Picked(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        """A click on a cell picks it."""
        index = event.y * self.columns + event.x // CELL_WIDTH
        if event.x // CELL_WIDTH < self.columns and 0 <= index < len(self.items):
            self.cursor = index
            self.post_message(self.Picked(self, index))
