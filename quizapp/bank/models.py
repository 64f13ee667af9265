"""The bank's data model: bank.yaml and question files, exactly as QUESTION_FORMAT.md names them.

These models check the shape of one document (types, ranges, required fields, unknown keys).
Rules that span documents or need the registry (an answer naming an option, a known domain,
a known simulation) live in :mod:`quizapp.bank.rules`, so that each can be located precisely.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""The form of every id a question refers to: question, domain, requirement, tag."""
Slug = Annotated[str, StringConstraints(pattern=SLUG.pattern)]
OptionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=16)]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_control(value: str) -> str:
    """Refuse control characters (ESC, BEL, CSI ...): bank text is shown in a terminal, and a shared
    bank is untrusted input, so it may never carry instructions to the terminal."""
    found = _CONTROL.search(value)
    if found:
        code = ord(found.group(0))
        raise PydanticCustomError(
            "control_character",
            f"holds the control character U+{code:04X} at character {found.start() + 1}: terminal escapes"
            " are not allowed in bank text; delete it",
        )
    return value


Line = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[^\n]*\S[^\n]*$"),
    AfterValidator(_no_control),
]
Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S"), AfterValidator(_no_control)]
Plain = Annotated[str, AfterValidator(_no_control)]

OPTION_LETTERS = "ABCDEFGH"

Scoring = Literal["all-or-nothing", "partial"]
"""How a 'choose N' question is scored: all or nothing, or Moodle's partial credit."""


class Strict(BaseModel):
    """Base: unknown keys are refused (the loader turns them into 'did you mean' problems)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


class SimLink(Strict):
    """A link to a simulation, optionally with parameters and a label for the button."""

    id: str = Field(description="The simulation's id, as `quizapp sim list` prints it.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Parameter overrides, checked against the simulation's own."
    )
    label: Plain | None = Field(
        default=None, description="What the link says, e.g. 'Watch the gradient vanish'."
    )


def _sim_link(value: Any) -> Any:
    """Accept the short form (a bare id string) for a simulation link."""
    return {"id": value} if isinstance(value, str) else value


SimRef = Annotated[SimLink, BeforeValidator(_sim_link)]


class Requirement(Strict):
    """A constraint the scenario sets; options name the ones they break in `violates`."""

    id: Slug = Field(description="Slug that options refer to in `violates`.")
    text: Text = Field(description="The constraint, one sentence.")


class Option(Strict):
    """One answer option, with why it is right or wrong."""

    id: OptionId | None = Field(default=None, description="Defaults to A, B, C ... by position.")
    text: Text = Field(description="The option as the learner reads it (markdown, $math$).")
    why: Text = Field(description="Why this option is right, or exactly why it is wrong.")
    violates: list[Slug] = Field(default_factory=list, description="Requirement ids this option breaks.")
    sim: SimRef | None = Field(default=None, description="The simulation that proves the point.")


class Trap(Strict):
    """A misconception worth naming."""

    title: Line = Field(description="The trap's name, one line.")
    text: Text = Field(description="What people get wrong, and the precise version.")
    sim: SimRef | None = Field(default=None, description="A simulation that shows the trap.")


LintRule = Literal[
    "no-simulation",
    "why-repeats-text",
    "choose-n",
    "key-longer",
    "option-reference",
    "all-none-above",
    "key-violates",
    "requirement-unbroken",
    "negative-prompt",
    "near-duplicate",
]
"""The warnings `quizapp lint` gives on one question, each of which a question may silence."""


class LintSettings(Strict):
    """Warnings this question silences on purpose, and why (the reason is for the next editor)."""

    ignore: list[LintRule] = Field(min_length=1, description="The lint rules to silence for this question.")
    why: Text = Field(description="Why the warning does not apply here.")


class Question(Strict):
    """One scenario question."""

    id: Slug = Field(description="Unique in the bank; progress is keyed on it, so keep it stable.")
    title: Line = Field(description="A one-line title.")
    domain: Slug = Field(description="A domain id declared in bank.yaml.")
    tags: list[Slug] = Field(default_factory=list, description="Free tags for filtering study sessions.")
    difficulty: int = Field(default=3, ge=1, le=5, description="1 (recall) .. 5 (expert).")
    scenario: Text = Field(description="The situation, in markdown; $inline$ and $$display$$ math allowed.")
    requirements: list[Requirement] = Field(
        default_factory=list, description="The constraints the scenario sets."
    )
    prompt: Line = Field(description="The line the learner answers.")
    options: list[Option] = Field(min_length=2, max_length=8, description="2 to 8 options.")
    shuffle: bool = Field(
        default=True,
        description="Options are shown in a random order (letters follow the order shown); false keeps"
        " the file's order, for options that must stay in sequence such as numeric ranges.",
    )
    answer: OptionId | list[OptionId] = Field(description="One option id, or a list of ids for 'choose N'.")
    explanation: Text = Field(description="The expert's analysis, in markdown.")
    traps: list[Trap] = Field(default_factory=list, description="Misconceptions worth naming.")
    in_practice: Text | None = Field(
        default=None, description="How the exam answer meets production reality."
    )
    references: list[Text] = Field(default_factory=list, description="Paper and section/table, or a URL.")
    sims: list[SimRef] = Field(
        default_factory=list, description="More simulations for the question as a whole."
    )
    lint: LintSettings | None = Field(
        default=None, description="Lint warnings silenced on purpose: {ignore: [rule, ...], why: reason}."
    )

    @property
    def option_ids(self) -> list[str]:
        """Each option's id, defaulting to A, B, C ... by position."""
        return [o.id or OPTION_LETTERS[i] for i, o in enumerate(self.options)]

    @property
    def answers(self) -> frozenset[str]:
        """The correct option ids as a set (one for single-answer questions)."""
        return frozenset([self.answer] if isinstance(self.answer, str) else self.answer)

    @property
    def multiple(self) -> bool:
        """Whether this is a 'choose N' question."""
        return isinstance(self.answer, list)

    def is_correct(self, chosen: frozenset[str] | set[str]) -> bool:
        """Right when the chosen ids are exactly the answers (full marks under either scoring rule)."""
        return frozenset(chosen) == self.answers

    def score(self, chosen: frozenset[str] | set[str], scoring: Scoring = "all-or-nothing") -> float:
        """The credit for a choice, 0..1.

        ``all-or-nothing``: 1 when the choice is exactly the answer, else 0. ``partial`` (Moodle's
        multiple-response rule): +1/N for each right pick, -1/N for each wrong pick, never below 0;
        on a single-answer question both rules agree.
        """
        picked = frozenset(chosen)
        if scoring == "all-or-nothing" or not self.multiple:
            return 1.0 if picked == self.answers else 0.0
        n = len(self.answers)
        right, wrong = len(picked & self.answers), len(picked - self.answers)
        return max(0.0, (right - wrong) / n)

    def option(self, option_id: str) -> Option:
        """The option with this id."""
        return self.options[self.option_ids.index(option_id)]

    def all_sim_links(self) -> list[SimLink]:
        """Every simulation this question links, options first, without repeats of the same id+params."""
        links = (
            [o.sim for o in self.options if o.sim] + [t.sim for t in self.traps if t.sim] + list(self.sims)
        )
        seen: set[tuple[str, str]] = set()
        unique = []
        for link in links:
            key = (link.id, repr(sorted(link.params.items())))
            if key not in seen:
                seen.add(key)
                unique.append(link)
        return unique


class ExamSettings(Strict):
    """Practice-exam defaults."""

    questions: int = Field(default=20, ge=1, le=500, description="How many questions an exam draws.")
    minutes: int = Field(default=30, ge=1, le=600, description="The time limit in minutes.")
    pass_percent: int = Field(default=70, ge=0, le=100, description="The pass mark, 0..100.")
    scoring: Scoring = Field(
        default="all-or-nothing",
        description="How 'choose N' questions score: 'all-or-nothing' (every pick right, none wrong) or"
        " 'partial' (+1/N per right pick, -1/N per wrong pick, never below 0).",
    )


class Domain(Strict):
    """A topic area; exams draw questions in proportion to the weights."""

    id: Slug = Field(description="Slug that questions name in `domain`.")
    title: Line = Field(description="The domain's title.")
    weight: float = Field(default=1, gt=0, description="Relative share of exam questions, > 0.")


class Manifest(Strict):
    """bank.yaml: the bank's title, exam settings and domains."""

    title: Line = Field(description="The bank's title.")
    description: Plain | None = Field(default=None, description="Markdown shown on the home screen.")
    exam: ExamSettings = Field(default_factory=ExamSettings, description="Practice-exam defaults.")
    domains: list[Domain] = Field(min_length=1, description="At least one domain.")

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, or None."""
        return next((d for d in self.domains if d.id == domain_id), None)
