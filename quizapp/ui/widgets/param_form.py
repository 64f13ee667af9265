"""A form generated from a simulation's ``Params`` model, validated as the learner types.

One line per field, so that a narrow form stays scannable: the field's name (marked ``*`` when the
value differs from the default, which a legend line on top says), its allowed range, and its input
(a ``NumberInput`` for numbers, a ``Switch`` for booleans, a ``Select`` for ``Literal`` choices).
Under it, dim, the description, after the reason when the value is refused. A field that a choice
fixes (a model preset fixes the shape fields) is disabled, shows the value the choice gives it and
says which choice fixes it. Each field is checked on its own as it changes (the ``Input`` carries a
validator built from the field's annotation and bounds), then the whole model, so cross-field rules
(``n_max > n_min``, a FLOP cap) are refused too, with their message under the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch
from textual.widgets.select import InvalidSelectValueError

from ...params import bounds
from ...text import plain
from .param_rules import Fixing, choices_of, field_adapter, fixed_fields, fixings, kind_of, reason_of

INTEGER_CHARACTERS = "0123456789+-_"
"""What an integer field accepts while typing (pydantic decides whether the whole is valid)."""
NUMBER_CHARACTERS = INTEGER_CHARACTERS + ".eE"
"""What a float field accepts while typing: digits, sign, point, exponent."""
LEGEND = "* differs from default · e edits"
"""The line on top of the form that explains the mark after a changed field's name."""


def as_text(value: Any) -> str:
    """A value as an Input shows it (floats keep their point, so '3.0' reads as a float)."""
    return "" if value is None else str(value)


class NumberInput(Input):
    """An Input for a number: it takes only the characters a number can have, and leaves every other
    printable key (r, d, c ...) to the screen's bindings instead of swallowing it."""

    def __init__(self, value: str, *, characters: str, **kwargs: Any) -> None:
        super().__init__(value, restrict=f"[{re.escape(characters)}]*", **kwargs)
        self.characters = characters

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Only the characters of a number are this input's; other keys stay bound where they are."""
        return character is not None and character in self.characters

    async def _on_key(self, event: events.Key) -> None:
        """Let a key that cannot be part of a number bubble up to the bindings (Input would swallow it)."""
        if event.is_printable and (event.character or "") not in self.characters:
            event.prevent_default()  # skips Input's handler; the event still bubbles


class FieldValidator(Validator):
    """Checks an Input's text against one field's annotation and bounds, with a short reason."""

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        super().__init__()
        self.adapter = adapter

    def validate(self, value: str) -> ValidationResult:
        """Success, or a failure that says why (e.g. 'must be ≤ 5')."""
        try:
            self.adapter.validate_python(value)
        except ValidationError as exc:
            return self.failure(reason_of(exc), value)
        return self.success()


class ParamForm(VerticalScroll):
    """Edits one ``Params`` model; ``params`` is the validated model, or None while anything is refused."""

    class Changed(Message):
        """A value changed; ``valid`` says whether the whole form now validates."""

        def __init__(self, form: ParamForm, valid: bool) -> None:
            super().__init__()
            self.form = form
            self.valid = valid

        @property
        def control(self) -> ParamForm:
            """The form that changed (for ``@on(ParamForm.Changed, "#id")``)."""
            return self.form

    class Submitted(Message):
        """Enter was pressed in one of the form's inputs."""

        def __init__(self, form: ParamForm) -> None:
            super().__init__()
            self.form = form

        @property
        def control(self) -> ParamForm:
            """The form submitted."""
            return self.form

    def __init__(
        self, model: type[BaseModel], values: Mapping[str, Any] | None = None, *, id: str | None = None
    ):
        super().__init__(id=id, can_focus=False)
        self.model = model
        self.defaults: dict[str, Any] = model().model_dump()
        self.adapters = {name: field_adapter(info) for name, info in model.model_fields.items()}
        self.initial = {**self.defaults, **(values or {})}
        self.params: BaseModel | None = None
        """The validated model; None while a field or a cross-field rule refuses the values."""
        self.errors: dict[str, str] = {}
        """Field name -> why its value is refused ('must be ≤ 24'), for each refused field."""
        self.model_error = ""
        """The message of a cross-field rule (a model validator), when one refuses the values."""
        self.fixed: dict[str, Fixing] = {}
        """Field name -> the choice that fixes it, for each field disabled by the current choices."""
        self.typed: dict[str, Any] = {}
        """Each field's value as the model reads it, or its raw text while the field refuses it."""
        self.causes = {choice for choice, _ in fixings(model)}
        """The choices that fix other fields (a preset): changing one loads the values it fixes."""
        self._marks: dict[str, tuple[bool, str, str]] = {}
        """What each field's marks show now ('' for the form's own error line)."""

    # -- building ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The legend; per field a row (name, range, input) over its note; the cross-field error line."""
        yield Static(Content.styled(LEGEND, "$text-muted"), id="param-legend")
        for name, info in self.model.model_fields.items():
            with Horizontal(classes="param-row", id=f"row-{name}"):
                yield Static(self._label(name), classes="param-label", id=f"label-{name}")
                yield self._input_for(name, info, self.initial.get(name))
            yield Static(self._note(name), classes="param-note", id=f"note-{name}")
        yield Static(id="param-form-error")

    def _input_for(self, name: str, info: FieldInfo, value: Any) -> Widget:
        """The input that suits the field's type."""
        kind = kind_of(info)
        widget_id = f"param-{name}"
        if kind == "bool":
            return Switch(bool(value), id=widget_id, classes="param-input")
        if kind == "choice":
            choices = [(str(choice), choice) for choice in choices_of(info)]
            return Select(
                choices, value=value, allow_blank=False, compact=True, id=widget_id, classes="param-input"
            )
        common: dict[str, Any] = {
            "placeholder": bounds(self.model, name) or kind,
            "validators": [FieldValidator(self.adapters[name])],
            "validate_on": ["changed", "submitted"],
            "compact": True,
            "id": widget_id,
            "classes": f"param-input -{kind}",
        }
        if kind in ("int", "float"):
            characters = INTEGER_CHARACTERS if kind == "int" else NUMBER_CHARACTERS
            return NumberInput(as_text(value), characters=characters, **common)
        return Input(as_text(value), **common)  # free text: every printable key is typed

    def _label(self, name: str, changed: bool = False, error: str = "") -> Content:
        """The field's name ('*' and accented when changed from the default) and its allowed range
        (from the Field's ge/gt/le/lt)."""
        style = "bold $text-error" if error else ("bold $text-accent" if changed else "bold")
        parts: list[Any] = [(name + ("*" if changed else ""), style)]
        allowed = bounds(self.model, name)
        if allowed:
            parts += ["  ", (allowed, "$text-accent")]
        return Content.assemble(*parts, " ")

    def _note(self, name: str, error: str = "", fixing: Fixing | None = None) -> Content:
        """Under the row: why a fixed field is fixed, or why a value is refused over the description."""
        if fixing is not None:
            return Content.styled(fixing.reason(), "$text-warning")
        description = plain(self.model.model_fields[name].description or "")
        if error:
            return Content.assemble(("✗ " + error, "$text-error"), "\n" if description else "", description)
        return Content(description)

    def on_mount(self) -> None:
        """Show the starting values' state (changed marks, errors, fixed fields) at once."""
        self.check()

    # -- values ------------------------------------------------------------------------------------

    def raw(self) -> dict[str, Any]:
        """What each input holds now: text for typed fields, the value for switches and choices."""
        values: dict[str, Any] = {}
        for name in self.model.model_fields:
            widget = self.query_one(f"#param-{name}")
            values[name] = widget.value  # type: ignore[attr-defined]
        return values

    def values(self) -> dict[str, Any]:
        """The validated values (JSON-ready), or an empty dict while the form is invalid."""
        return self.params.model_dump(mode="json") if self.params is not None else {}

    @property
    def valid(self) -> bool:
        """Whether the whole model validates."""
        return self.params is not None

    @property
    def problem(self) -> str:
        """Why the form cannot run, in one line ('layers must be ≤ 24'); '' while it validates."""
        if self.errors:
            name, reason = next(iter(self.errors.items()))
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            return f"{name} {reason}{more}"
        return plain(self.model_error)

    def load(self, values: Mapping[str, Any]) -> None:
        """Put these values (over the defaults) into the inputs and validate them."""
        full = {**self.defaults, **values}
        for name in self.model.model_fields:
            self._set(name, full.get(name))
        self.check()
        self.post_message(self.Changed(self, self.valid))

    def _set(self, name: str, value: Any) -> None:
        """Put one value into its input."""
        widget = self.query_one(f"#param-{name}")
        if isinstance(widget, Input):
            widget.value = as_text(value)
            widget.cursor_position = len(widget.value)
        elif isinstance(widget, Select):
            with suppress(InvalidSelectValueError):  # a choice the model does not offer: keep the old one
                widget.value = value
        else:
            widget.value = bool(value)  # type: ignore[attr-defined]

    def check(self) -> BaseModel | None:
        """Validate every field, then the whole model; mark what is changed, refused or fixed."""
        raw = self.raw()
        self.errors = {}
        typed: dict[str, Any] = {}
        for name, adapter in self.adapters.items():
            try:
                typed[name] = adapter.validate_python(raw[name])
            except ValidationError as exc:
                self.errors[name] = reason_of(exc)
        self.typed = {name: typed.get(name, raw[name]) for name in self.model.model_fields}
        self.fixed = fixed_fields(self.model, typed) if self.causes else {}
        self.model_error = ""
        self.params = None
        if not self.errors:
            try:
                self.params = self.model(**typed)
            except ValidationError as exc:
                self.model_error = reason_of(exc)
        for name in self.model.model_fields:
            changed = name in self.errors or typed.get(name) != self.defaults.get(name)
            fixing = self.fixed.get(name)
            self._mark(name, changed, self.errors.get(name, ""), fixing)
        if self._marks.get("") != (False, self.model_error, ""):
            self._marks[""] = (False, self.model_error, "")
            form_error = self.query_one("#param-form-error", Static)
            message = plain(self.model_error)
            form_error.update(Content.assemble(("✗ ", "bold"), message) if message else "")
            form_error.display = bool(message)
        return self.params

    def _mark(self, name: str, changed: bool, error: str, fixing: Fixing | None) -> None:
        """A field's marks: '*' and accented when changed; the reason when refused or fixed."""
        reason = fixing.reason() if fixing is not None else ""
        if self._marks.get(name) == (changed, error, reason):
            return  # restyling costs: only touch what changed
        self._marks[name] = (changed, error, reason)
        label = self.query_one(f"#label-{name}", Static)
        label.update(self._label(name, changed, error))
        label.set_class(changed, "-changed")
        label.set_class(bool(error), "-invalid")
        note = self.query_one(f"#note-{name}", Static)
        note.update(self._note(name, error, fixing))
        note.set_class(fixing is not None, "-fixed")
        widget = self.query_one(f"#param-{name}")
        widget.set_class(bool(error), "-invalid")  # also for a value loaded before the Input validated it
        widget.disabled = fixing is not None
        widget.tooltip = reason or None

    def apply_fixings(self) -> None:
        """Give the fields a choice fixes the values it fixes them at (a preset's shape)."""
        raw = self.raw()
        for (choice, value), fields in fixings(self.model).items():
            if raw.get(choice) != value:
                continue
            for name, fixing in fields.items():
                if self.typed.get(name) != fixing.fixed_at:
                    self._set(name, fixing.fixed_at)

    # -- events ------------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _value_changed(self, event: Message) -> None:
        """Revalidate on every change (the inputs' messages arrive after a load has checked: harmless)."""
        event.stop()
        was = self.values()
        if isinstance(event, Select.Changed | Switch.Changed) and event.control.id in {
            f"param-{c}" for c in self.causes
        }:
            self.check()  # the new choice may fix fields: show the values it fixes them at
            self.apply_fixings()
        self.check()
        if isinstance(event, Input.Changed) and event.input.has_focus:
            # a message that appears under the row pushes the next rows down: keep the input in view
            self.call_after_refresh(self.scroll_to_widget, event.input, animate=False)
        if self.values() != was or not self.valid:
            self.post_message(self.Changed(self, self.valid))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter in a field asks to run."""
        event.stop()
        self.post_message(self.Submitted(self))
