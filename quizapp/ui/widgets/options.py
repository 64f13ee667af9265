"""The options of a question as cards, with a cursor: before submitting they are choices, after
submitting each card also says whether it was right, why, and which requirements it breaks."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from ...bank.models import OPTION_LETTERS, Question, SimLink
from ...study.choice import Shown
from ...study.session import AnswerResult
from ...text import plain
from .prose import paragraphs

MARK_CORRECT = "✓"
MARK_WRONG = "✗"
MARK_PICK = "→"


def option_body(question: Question, option_id: str, result: AnswerResult | None) -> Content:
    """The text of one option card; after submitting, with its why, violated requirements and sim."""
    option = question.option(option_id)
    text = plain(option.text)
    if result is None:
        return Content(text)
    parts: list[str | tuple[str, str]] = [(text, "bold"), "\n", paragraphs(option.why)]
    requirements = {r.id: r for r in question.requirements}
    for req_id in option.violates:
        req = requirements.get(req_id)
        parts += ["\n", ("violates: ", "bold $text-error"), plain(req.text) if req else req_id]
    if option.sim is not None:
        label = option.sim.label or option.sim.id
        parts += ["\n", ("simulation: ", "bold $text-accent"), label, ("  (s)", "dim")]
    return Content.assemble(*parts)


def option_marker(shown: Shown, position: int, selected: bool, result: AnswerResult | None) -> Content:
    """The marker column, lettered by the position shown: a radio/check box before submitting; ✓ ✗ → after."""
    question, option_id, letter = shown.question, shown.option_id(position), OPTION_LETTERS[position]
    if result is None:
        box = ("[x]" if selected else "[ ]") if question.multiple else ("(•)" if selected else "( )")
        return Content.assemble((box, "bold" if selected else "dim"), " ", (f"{letter}.", "bold"))
    picked = option_id in result.chosen
    correct = option_id in question.answers
    pick = (MARK_PICK, "bold") if picked else " "
    if correct:
        mark: tuple[str, str] | str = (MARK_CORRECT, "bold $text-success")
    elif picked:
        mark = (MARK_WRONG, "bold $text-error")
    else:
        mark = " "
    return Content.assemble(pick, mark, "  ", (f"{letter}.", "bold"))


class OptionCard(Horizontal):
    """One option: a narrow marker column and the option's text beside it (hanging indent).
    ``index`` is its position on screen."""

    def __init__(self, shown: Shown, index: int) -> None:
        super().__init__(classes="option-card")
        self.shown = shown
        self.question = shown.question
        self.index = index
        self.option_id = shown.option_id(index)
        self._drawn: tuple[bool, AnswerResult | None] | None = None

    def compose(self) -> ComposeResult:
        """The marker column and the text column."""
        yield Static(classes="option-marker")
        yield Static(classes="option-body")

    def show(self, *, selected: bool, cursor: bool, result: AnswerResult | None) -> None:
        """Redraw for the current selection, cursor and (after submitting) the result."""
        state = (selected, result)
        if state != self._drawn:  # moving the cursor only restyles; text changes re-layout
            self._drawn = state
            marker = option_marker(self.shown, self.index, selected, result)
            self.query_one(".option-marker", Static).update(marker)
            self.query_one(".option-body", Static).update(option_body(self.question, self.option_id, result))
        option_id = self.option_id
        self.set_class(cursor, "-cursor")
        self.set_class(selected, "-selected")
        self.set_class(result is not None and option_id in self.question.answers, "-correct")
        self.set_class(result is not None and option_id in result.chosen and not result.correct, "-wrong")

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor here and chooses the option."""
        event.stop()
        self.post_message(OptionsView.Clicked(self.index))


class OptionsView(Vertical, can_focus=True):
    """The option cards with a cursor (↑/↓, j/k); Space chooses the option under the cursor."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Move", key_display="↑↓", id="options.up"),
        Binding("down,j", "move(1)", "Next option", show=False, id="options.down"),
        Binding("home", "jump(0)", "First option", show=False, id="options.first"),
        Binding("end", "jump(-1)", "Last option", show=False, id="options.last"),
        Binding("space", "pick", "Choose", show=False, id="options.toggle"),
    ]

    cursor: reactive[int] = reactive(0, init=False)
    """Index of the option under the cursor."""

    class Toggled(Message):
        """The learner chose (or un-chose) the option under the cursor."""

        def __init__(self, options: OptionsView, option_id: str) -> None:
            super().__init__()
            self.options = options
            self.option_id = option_id

        @property
        def control(self) -> OptionsView:
            """The options widget, for `@on(..., selector)`."""
            return self.options

    class Clicked(Message):
        """A card was clicked (posted by the card, handled here)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, shown: Shown, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown = shown
        self.question = shown.question
        self.selection: frozenset[str] = frozenset()
        self.result: AnswerResult | None = None

    def compose(self) -> ComposeResult:
        """One card per option, in the order shown."""
        for index in range(len(self.question.options)):
            yield OptionCard(self.shown, index)

    def on_mount(self) -> None:
        """Draw the cards."""
        self.redraw()

    @property
    def cursor_id(self) -> str:
        """The id of the option under the cursor."""
        return self.shown.option_id(self.cursor)

    def place_cursor(self, index: int) -> None:
        """Put the cursor on option ``index`` without scrolling it into view (after submitting, the
        screen shows the verdict first)."""
        self.set_reactive(OptionsView.cursor, index)
        self.redraw()

    def set_state(self, selection: frozenset[str] | set[str], result: AnswerResult | None) -> None:
        """Show a new selection (and, after submitting, the result)."""
        self.selection = frozenset(selection)
        self.result = result
        self.set_class(result is not None, "-submitted")
        self.redraw()

    def redraw(self) -> None:
        """Redraw every card."""
        for card in self.query(OptionCard):
            selected = card.option_id in self.selection
            card.show(selected=selected, cursor=card.index == self.cursor, result=self.result)

    def watch_cursor(self) -> None:
        """Redraw and keep the cursor (or, before submitting, all the options) in view."""
        self.redraw()
        cards = list(self.query(OptionCard))
        if self.result is None:
            self.scroll_visible(animate=False)  # short cards: keep all of them in view to compare
        elif cards:
            cards[self.cursor].scroll_visible(animate=False)  # long cards after feedback: follow the cursor

    def action_move(self, step: int) -> None:
        """Move the cursor, stopping at the ends."""
        self.cursor = max(0, min(len(self.question.options) - 1, self.cursor + step))

    def action_jump(self, index: int) -> None:
        """Put the cursor on the first (0) or last (-1) option."""
        self.cursor = index % len(self.question.options)

    def action_pick(self) -> None:
        """Choose the option under the cursor."""
        self.post_message(self.Toggled(self, self.cursor_id))

    def on_options_view_clicked(self, event: Clicked) -> None:
        """A click moves the cursor there, and before submitting chooses the option."""
        event.stop()
        self.focus()
        self.cursor = event.index
        if self.result is None:
            self.post_message(self.Toggled(self, self.cursor_id))


NUMBERS = "12345678"


def too_few_options(question: Question, parameters: tuple[object, ...]) -> str | None:
    """'this question has only 4 options, a to d' for a choice key past the last option."""
    index = parameters[0] if parameters else None
    count = len(question.options)
    if isinstance(index, int) and index >= count:
        last = OPTION_LETTERS[count - 1].lower()
        return f"this question has only {count} options, a to {last} (or 1 to {count})"
    return None


def choice_bindings(scope: str) -> list[Binding]:
    """a-h and 1-8 choose option 1..8; only the first shows in the footer, as 'a-h'.

    ``scope`` prefixes the binding ids (``question.choose-a``), so each screen's keys can be remapped.
    """
    return [
        Binding(
            f"{letter.lower()},{number}",
            f"choose({index})",
            "Choose" if index == 0 else f"Choose {letter}",
            show=index == 0,
            key_display="a-h" if index == 0 else None,
            id=f"{scope}.choose-{letter.lower()}",
        )
        for index, (letter, number) in enumerate(zip(OPTION_LETTERS, NUMBERS, strict=True))
    ]


class LinkedSimulations:
    """For screens that show a question in an OptionsView: `s` opens the simulation behind the
    option under the cursor; on an option without one it says so and offers the question's own."""

    @property
    def question(self) -> Question:
        """The question on screen (each screen says which)."""
        raise NotImplementedError

    def sim_link(self) -> SimLink | None:
        """The simulation of the option under the cursor, if it has one."""
        return self.question.option(self.query_one(OptionsView).cursor_id).sim  # type: ignore[attr-defined]

    def linked_elsewhere(self) -> list[tuple[SimLink, str]]:
        """Every simulation the question links, each with where it comes from ('option A', 'trap',
        or '' for the question's own), letters as shown."""
        question = self.question
        shown = self.query_one(OptionsView).shown  # type: ignore[attr-defined]
        sources: dict[int, str] = {}
        for option_id, option in zip(question.option_ids, question.options, strict=True):
            if option.sim is not None:
                sources.setdefault(id(option.sim), f"option {shown.letter(option_id)}")
        for trap in question.traps:
            if trap.sim is not None:
                sources.setdefault(id(trap.sim), "a trap")
        return [(link, sources.get(id(link), "")) for link in question.all_sim_links()]

    def action_simulate(self) -> None:
        """Open the simulation behind the option under the cursor, or offer the question's own."""
        from ..dialogs.sim_links import SimLinksDialog

        link = self.sim_link()
        if link is not None:
            self.app.open_simulation(link)  # type: ignore[attr-defined]
            return
        options = self.query_one(OptionsView)  # type: ignore[attr-defined]
        letter = options.shown.letter(options.cursor_id)
        links = self.linked_elsewhere()
        if not links:
            self.notify(  # type: ignore[attr-defined]
                f"Option {letter} has no simulation, and this question links none.", markup=False
            )
            return

        def picked(chosen: SimLink | None) -> None:
            if chosen is not None:
                self.app.open_simulation(chosen)  # type: ignore[attr-defined]

        count = len(links)
        message = (
            f"Option {letter} has no simulation of its own. The question links"
            f" {'this one' if count == 1 else f'these {count}'}:"
        )
        self.app.push_screen(SimLinksDialog(message, links), picked)  # type: ignore[attr-defined]
