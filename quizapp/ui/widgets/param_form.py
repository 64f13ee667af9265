"""A form generated from a simulation's ``Params`` model, validated as the learner types.

Per field a label (its name, marked ``*`` when the value differs from the default, the allowed
range, the description, and pydantic's message when the value is refused) over an input of the
right kind: a ``NumberInput`` for numbers, a ``Switch`` for booleans, a ``Select`` for ``Literal``
choices. Each field is checked on its own as it changes (the ``Input`` carries a validator
built from the field's annotation and bounds), then the whole model is validated, so cross-field
rules (``n_max > n_min``, a FLOP cap) are refused too, with their message under the form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from textual import events, on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch
from textual.widgets.select import InvalidSelectValueError

from ...params import bounds

INTEGER_CHARACTERS = "0123456789+-_"
"""What an integer field accepts while typing (pydantic decides whether the whole is valid)."""
NUMBER_CHARACTERS = INTEGER_CHARACTERS + ".eE"
"""What a float field accepts while typing: digits, sign, point, exponent."""


def message_of(error: ValidationError) -> str:
    """Pydantic's first message, without the 'Value error, ' that model validators' messages carry."""
    msg = str(error.errors()[0]["msg"]) if error.errors() else str(error)
    return msg.removeprefix("Value error, ")


def field_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one field on its own: its annotation with its bounds (ge, le, multiple_of ...)."""
    if not info.metadata:
        return TypeAdapter(info.annotation)  # type: ignore[arg-type]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)])  # type: ignore[arg-type]


def kind_of(info: FieldInfo) -> str:
    """Which input a field gets: 'bool', 'choice' (a Literal), 'int', 'float' or 'text'."""
    annotation = info.annotation
    if annotation is bool:
        return "bool"
    if get_origin(annotation) is Literal:
        return "choice"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    return "text"


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
    """Checks an Input's text against one field's annotation and bounds, with pydantic's message."""

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        super().__init__()
        self.adapter = adapter

    def validate(self, value: str) -> ValidationResult:
        """Success, or a failure described by pydantic's message (e.g. 'Input should be ≤ 5')."""
        try:
            self.adapter.validate_python(value)
        except ValidationError as exc:
            return self.failure(message_of(exc), value)
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
        """Field name -> pydantic's message, for each refused field."""
        self.model_error = ""
        """The message of a cross-field rule (a model validator), when one refuses the values."""
        self._marks: dict[str, tuple[bool, str]] = {}
        """What each field's marks show now ('' for the form's own error line)."""

    # -- building ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Per field a label (name, range, description, and the error if any) over its input; then
        the line for cross-field errors."""
        # Two widgets a field: every widget is styled, which is most of what opening the screen costs.
        for name, info in self.model.model_fields.items():
            yield Static(self._label(name), classes="param-label", id=f"label-{name}")
            yield self._input_for(name, info, self.initial.get(name))
        yield Static(id="param-form-error")

    def _input_for(self, name: str, info: FieldInfo, value: Any) -> Widget:
        """The input that suits the field's type."""
        kind = kind_of(info)
        widget_id = f"param-{name}"
        if kind == "bool":
            return Switch(bool(value), id=widget_id, classes="param-input")
        if kind == "choice":
            choices = [(str(choice), choice) for choice in get_args(info.annotation)]
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
        """The field's name ('*' and accented when changed from the default), its allowed range (from
        the Field's ge/gt/le/lt) and description; then pydantic's message when the value is refused."""
        style = "bold $text-error" if error else ("bold $text-accent" if changed else "bold")
        parts: list[Any] = [(name + ("*" if changed else ""), style), "  "]
        allowed = bounds(self.model, name)
        if allowed:
            parts += [(allowed, "$text-accent"), "  "]
        parts.append((self.model.model_fields[name].description or "", "$text-muted"))
        if error:
            parts += ["\n", ("✗ " + error, "$text-error")]
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        """Show the starting values' state (changed marks, errors) at once."""
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

    def load(self, values: Mapping[str, Any]) -> None:
        """Put these values (over the defaults) into the inputs and validate them."""
        full = {**self.defaults, **values}
        for name in self.model.model_fields:
            widget = self.query_one(f"#param-{name}")
            if isinstance(widget, Input):
                widget.value = as_text(full.get(name))
                widget.cursor_position = len(widget.value)
            elif isinstance(widget, Select):
                with suppress(InvalidSelectValueError):  # a choice the model does not offer: keep the old one
                    widget.value = full.get(name)
            else:
                widget.value = bool(full.get(name))  # type: ignore[attr-defined]
        self.check()
        self.post_message(self.Changed(self, self.valid))

    def check(self) -> BaseModel | None:
        """Validate every field, then the whole model; mark what is changed or refused."""
        raw = self.raw()
        self.errors = {}
        typed: dict[str, Any] = {}
        for name, adapter in self.adapters.items():
            try:
                typed[name] = adapter.validate_python(raw[name])
            except ValidationError as exc:
                self.errors[name] = message_of(exc)
        self.model_error = ""
        self.params = None
        if not self.errors:
            try:
                self.params = self.model(**typed)
            except ValidationError as exc:
                self.model_error = message_of(exc)
        for name in self.model.model_fields:
            changed = name in self.errors or typed.get(name) != self.defaults.get(name)
            self._mark(name, changed, self.errors.get(name, ""))
        if self._marks.get("") != (False, self.model_error):
            self._marks[""] = (False, self.model_error)
            form_error = self.query_one("#param-form-error", Static)
            form_error.update(Content.assemble(("✗ ", "bold"), self.model_error) if self.model_error else "")
            form_error.display = bool(self.model_error)
        return self.params

    def _mark(self, name: str, changed: bool, error: str) -> None:
        """A field's marks: '*' and bold when changed from the default; the message when refused."""
        if self._marks.get(name) == (changed, error):
            return  # restyling costs: only touch what changed
        self._marks[name] = (changed, error)
        label = self.query_one(f"#label-{name}", Static)
        label.update(self._label(name, changed, error))
        label.set_class(changed, "-changed")
        label.set_class(bool(error), "-invalid")
        widget = self.query_one(f"#param-{name}")
        widget.set_class(bool(error), "-invalid")  # also for a value loaded before the Input validated it

    # -- events ------------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _value_changed(self, event: Message) -> None:
        """Revalidate on every change (the inputs' messages arrive after a load has checked: harmless)."""
        event.stop()
        was = self.values()
        self.check()
        if isinstance(event, Input.Changed) and event.input.has_focus:
            # a message that appears under the label pushes the input down: keep it in view
            self.call_after_refresh(self.scroll_to_widget, event.input, animate=False)
        if self.values() != was or not self.valid:
            self.post_message(self.Changed(self, self.valid))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter in a field asks to run."""
        event.stop()
        self.post_message(self.Submitted(self))
