"""Your misconceptions: the requirements your wrong picks break most often, and the distractors you
pick again. Each row opens a study session of its question(s) or its simulation; one key studies
them all, most telling first (:func:`quizapp.misconceptions.misconception_session`).

Reading and ranking the answers takes about 3 ms for 200 answers (the read dominates: some 35 ms at
5,000), so it runs on the main thread, each time the screen comes back into view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...bank import Bank, Question, SimLink
from ...history import plural
from ...misconceptions import BrokenRequirement, Misconceptions, PickedDistractor, rank
from ...text import plain
from ..dialogs.keys import SaysWhy

if TYPE_CHECKING:
    from ..app import QuizApp

SHOWN = 3
"""Questions named under a requirement (Enter studies them all)."""
LABEL = "Misconceptions"
"""What a session started here says in its header."""


def question_of(bank: Bank | None, question_id: str) -> Question | None:
    """The question, or None when it is no longer in the bank."""
    if bank is None:
        return None
    try:
        return bank.question(question_id)
    except KeyError:
        return None


def title_of(bank: Bank | None, question_id: str) -> str:
    """A question's title, or its id when it is no longer in the bank."""
    question = question_of(bank, question_id)
    return plain(question.title) if question else f"{question_id} (no longer in the bank)"


def option_of(question: Question | None, option_id: str) -> str | None:
    """An option's text as one plain line, or None when the question no longer has it."""
    if question is None or option_id not in question.option_ids:
        return None
    return plain(question.option(option_id).text)


def requirement_text(r: BrokenRequirement) -> str:
    """The requirement in the words of the question where it was broken most (its id when that
    question is gone)."""
    return plain(next(iter(r.texts.values()), r.requirement))


def requirement_row(r: BrokenRequirement) -> Content:
    """'  9×  Describe the scores …': one line (the list cuts it short to its width)."""
    return Content.assemble((f"{r.count}×".rjust(4), "bold $text-warning"), "  ", requirement_text(r))


def distractor_row(bank: Bank | None, d: PickedDistractor) -> Content:
    """'  3× ✗ Question title — the option picked': one line; ✗ while the question is still missed."""
    question = question_of(bank, d.question_id)
    mark = ("✗ ", "$text-error") if d.still_missed else ("✓ ", "$text-success")
    return Content.assemble(
        (f"{d.count}×".rjust(4), "bold $text-warning" if d.repeated else "dim"),
        " ",
        mark,
        (title_of(bank, d.question_id), "bold"),
        (" · ", "dim"),
        (option_of(question, d.option) or "", "dim"),
    )


def requirement_detail(bank: Bank | None, r: BrokenRequirement) -> Content:
    """The whole requirement, and every question where it was broken with how often."""
    named = [f"{title_of(bank, qid)} ({n}×)" for qid, n in list(r.questions.items())[:SHOWN]]
    more = len(r.questions) - SHOWN
    where = "; ".join(named) + (f"; and {more} more" if more > 0 else "")
    return Content.assemble(
        (requirement_text(r), "bold"),
        "\n",
        (f"Broken {r.count}× in {plural(len(r.questions), 'question')}: ", "dim"),
        where,
    )


def distractor_detail(bank: Bank | None, d: PickedDistractor) -> Content:
    """The question, the whole option picked, how often, whether it is still missed, and what it breaks."""
    question = question_of(bank, d.question_id)
    text = option_of(question, d.option) or f"option {d.option} (no longer in the question)"
    texts = {req.id: plain(req.text) for req in question.requirements} if question else {}
    breaks = "; ".join(texts.get(rid, rid) for rid in d.violates)
    state = ("still missed", "$text-error") if d.still_missed else ("answered right since", "$text-success")
    return Content.assemble(
        (title_of(bank, d.question_id), "bold"),
        "\n",
        (f"Picked {d.count}×: ", "dim"),
        text,
        ("  — ", "dim"),
        state,
        ("\nIt breaks: ", "dim") if breaks else "",
        breaks,
    )


class MisconceptionsScreen(SaysWhy, Screen[None]):
    """Two ranked lists: broken requirements, picked distractors; Enter studies, s simulates, a all."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="misconceptions.back"),
        Binding("s", "simulate", "Simulation", id="misconceptions.simulate"),
        Binding("a", "study_all", "Study them all", id="misconceptions.study-all"),
    ]

    app: QuizApp

    def __init__(self) -> None:
        super().__init__()
        self.ranked = Misconceptions([], [])
        self.session: list[str] = []
        """The questions `a` studies, most telling first."""

    def compose(self) -> ComposeResult:
        """Title, the two lists with their headings, the highlighted row in full, a hint, the footer."""
        yield Static(
            Content.assemble(("Misconceptions", "bold"), ("  ·  ", "dim"), self.app.bank_title),
            classes="title-bar",
            id="mis-title",
        )
        yield Static(id="mis-empty")
        yield Static(id="mis-requirements-title", classes="mis-heading")
        yield OptionList(id="mis-requirements", classes="mis-list")
        yield Static(id="mis-distractors-title", classes="mis-heading")
        yield OptionList(id="mis-distractors", classes="mis-list")
        yield Static(id="mis-detail")
        yield Static(id="mis-hint")
        yield Footer()

    def on_screen_resume(self) -> None:
        """Rank on arrival, and again on coming back from a session (answers may have changed it)."""
        self.fill()

    def fill(self) -> None:
        """Rank the answers and fill both lists (the highlighted rows stay where they were)."""
        bank = self.app.bank
        answers = self.app.store.answers()
        self.ranked = rank(answers, bank)
        # misconception_session's order, without reading the answers a second time
        known = {qid for qid, _, _ in bank.questions.entries} if bank is not None else set()
        self.session = self.ranked.question_ids(known=known)
        requirements = self.query_one("#mis-requirements", OptionList)
        distractors = self.query_one("#mis-distractors", OptionList)
        rows = (
            (requirements, [Option(requirement_row(r)) for r in self.ranked.requirements]),
            (distractors, [Option(distractor_row(bank, d)) for d in self.ranked.distractors]),
        )
        for listing, options in rows:
            highlighted = listing.highlighted
            listing.clear_options()
            listing.add_options(options)
            listing.display = bool(options)
            if options:
                listing.highlighted = min(highlighted or 0, len(options) - 1)
        again = sum(d.repeated for d in self.ranked.distractors)
        self.query_one("#mis-requirements-title", Static).update(
            Content.assemble(
                ("Requirements you break most often", "bold"),
                (f"  {plural(len(self.ranked.requirements), 'requirement')}", "dim"),
            )
        )
        self.query_one("#mis-distractors-title", Static).update(
            Content.assemble(
                ("Distractors you pick again", "bold"),
                (f"  {again} picked twice or more, {len(self.ranked.distractors) - again} once", "dim"),
            )
        )
        self.show_state(len(answers))
        if not isinstance(self.focused, OptionList) or not self.focused.display:
            (requirements if self.ranked.requirements else distractors).focus()
        self.show_detail()
        self.refresh_bindings()

    def show_state(self, answered: int) -> None:
        """The hint under the lists, or, with no wrong pick at all, what to do first."""
        has_any = bool(self.ranked.distractors)
        for selector in ("#mis-distractors-title", "#mis-detail", "#mis-hint"):
            self.query_one(selector).display = has_any
        self.query_one("#mis-requirements-title").display = bool(self.ranked.requirements)
        empty = self.query_one("#mis-empty", Static)
        empty.display = not has_any
        if not has_any:
            first = (
                Content.assemble("No answers yet: press ", ("s", "bold"), " on home to study.")
                if not answered
                else Content(f"No wrong picks in your {plural(answered, 'answer')} so far.")
            )
            empty.update(
                Content.assemble(
                    first,
                    " Every wrong option you pick is recorded here with the requirements it breaks, so the"
                    " ones you pick again stand out.",
                )
            )
            return
        self.query_one("#mis-hint", Static).update(
            Content.assemble(
                ("Enter", "bold"),
                " studies the row · ",
                ("Tab", "bold"),
                " the other list · ",
                ("a", "bold"),
                f" studies all {plural(len(self.session), 'question')}",
            )
        )

    def show_detail(self) -> None:
        """The highlighted row of the focused list, in full."""
        detail = self.query_one("#mis-detail", Static)
        focused = self.focused
        index = focused.highlighted if isinstance(focused, OptionList) else None
        if index is None:
            detail.update("")
        elif focused is not None and focused.id == "mis-requirements":
            detail.update(requirement_detail(self.app.bank, self.ranked.requirements[index]))
        else:
            detail.update(distractor_detail(self.app.bank, self.ranked.distractors[index]))

    @on(OptionList.OptionHighlighted)
    def highlighted(self) -> None:
        """Another row: show it in full."""
        self.show_detail()

    def on_descendant_focus(self) -> None:
        """The other list: show its highlighted row in full."""
        self.show_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`a` and `s` need something to act on."""
        return self.why_not(action) is None

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why a key does nothing now (said when it is pressed)."""
        if action in ("study_all", "simulate") and not self.ranked.distractors:
            return "no wrong picks yet: s on home starts studying"
        if action == "study_all" and not self.session:
            return "the questions of your wrong picks are no longer in the bank"
        return None

    @on(OptionList.OptionSelected, "#mis-requirements")
    def study_requirement(self, event: OptionList.OptionSelected) -> None:
        """Enter on a requirement: study every question where it was broken, most first."""
        r = self.ranked.requirements[event.option_index]
        self.app.study_questions(list(r.questions), LABEL)

    @on(OptionList.OptionSelected, "#mis-distractors")
    def study_distractor(self, event: OptionList.OptionSelected) -> None:
        """Enter on a distractor: study its question."""
        self.app.study_questions([self.ranked.distractors[event.option_index].question_id], LABEL)

    def action_study_all(self) -> None:
        """A session on every question with a wrong pick, most telling first."""
        self.app.study_questions(self.session, LABEL)

    def action_simulate(self) -> None:
        """The simulation of the highlighted row: its distractor's, or, for a requirement, that of the
        most-picked distractor that breaks it."""
        focused = self.focused
        if isinstance(focused, OptionList) and focused.id == "mis-requirements":
            self.simulate_requirement(self.ranked.requirements[focused.highlighted or 0])
        else:
            index = self.query_one("#mis-distractors", OptionList).highlighted or 0
            self.simulate_distractor(self.ranked.distractors[index])

    def simulate_requirement(self, r: BrokenRequirement) -> None:
        """Open the simulation behind the most-picked distractor that breaks this requirement (then
        any option of its questions that breaks it)."""
        bank = self.app.bank
        picked = [
            (d.question_id, d.option)
            for d in self.ranked.distractors
            if r.requirement in d.violates and d.question_id in r.questions
        ]
        others = [
            (qid, oid)
            for qid in r.questions
            if (q := question_of(bank, qid)) is not None
            for oid in q.option_ids
            if r.requirement in q.option(oid).violates
        ]
        for qid, oid in [*picked, *others]:
            q = question_of(bank, qid)
            link = q.option(oid).sim if q is not None and oid in q.option_ids else None
            if link is not None:
                self.app.open_simulation(link)
                return
        self.notify("No simulation shows this requirement: Enter studies its questions.", markup=False)

    def simulate_distractor(self, d: PickedDistractor) -> None:
        """Open the picked option's simulation, or offer the question's own when it has none."""
        from ..dialogs.sim_links import SimLinksDialog

        question = question_of(self.app.bank, d.question_id)
        if question is None:
            self.notify("This question is no longer in the bank.", severity="warning", markup=False)
            return
        link = question.option(d.option).sim if d.option in question.option_ids else None
        if link is not None:
            self.app.open_simulation(link)
            return
        links = [(link, "") for link in question.all_sim_links()]
        if not links:
            self.notify("This option has no simulation, and its question links none.", markup=False)
            return
        if len(links) == 1:
            self.app.open_simulation(links[0][0])
            return

        def picked(chosen: SimLink | None) -> None:
            if chosen is not None:
                self.app.open_simulation(chosen)

        message = (
            f"The option you picked has no simulation of its own. The question links these {len(links)}:"
        )
        self.app.push_screen(SimLinksDialog(message, links), picked)

    def action_back(self) -> None:
        """Back to where this was opened."""
        self.dismiss(None)
