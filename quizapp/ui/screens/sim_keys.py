"""The simulation screen's keys: what each does, in the words the footer and its tooltips use.

The footer must fit at 80 columns with every key it offers (and the app's q and ?), so the
descriptions are short, the tooltips say the whole of what a key does, and e (edit) is left out of
the footer: the form's legend line names it. p (predict) is in the footer unless s (the question's
setting) is: then the question's offer line names it.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

WIDE = 100
"""From this width on the footer has room for the command palette's key too."""
FORM_KEYS = {
    "run",
    "predict",
    "defaults",
    "question_setting",
    "counter",
    "edit",
    "show_params",
    "show_measured",
}
"""Actions on letter keys. They work while a number is being typed: the form's number inputs let
every key but a number's characters bubble up to these bindings, in order after the digits before
them (an input for free text takes every key, and Textual drops these bindings while it has the
focus)."""


BINDINGS: list[BindingType] = [
    Binding("escape", "stop", "Stop", id="simulation.stop"),
    Binding("escape", "leave_form", "Leave form", id="simulation.leave_form"),
    Binding("escape", "back", "Back", id="simulation.back"),
    Binding("r", "run", "Run", tooltip="Run the form's setting", id="simulation.run"),
    Binding(
        "p",
        "predict",
        "Predict",
        tooltip="Predict, then run: say whether the claim holds at the form's setting (and estimate its"
        " headline number), then run it",
        id="simulation.predict",
    ),
    # the same p, out of the footer where s takes its room (80 columns fit one of the two): the
    # question's offer line and the key guide name it
    Binding(
        "p",
        "predict_unlisted",
        "Predict",
        show=False,
        tooltip="Predict, then run: say whether the claim holds at the form's setting (and estimate its"
        " headline number), then run it",
        id="simulation.predict_unlisted",
    ),
    Binding("d", "defaults", "Defaults", tooltip="Load the defaults and run them", id="simulation.defaults"),
    Binding(
        "s",
        "question_setting",
        "Question's",
        tooltip="Load the question's setting and run it",
        id="simulation.question_setting",
    ),
    Binding(
        "c",
        "counter",
        "Break it",
        tooltip="Try to break it: load the counter setting, where the claim must fail, and run it",
        id="simulation.counter",
    ),
    # not in the footer, which has no room for it at 80 columns: the form's legend line names it
    Binding("e", "edit", "Edit", show=False, tooltip="Edit the parameters", id="simulation.edit"),
    Binding("m", "show_measured", "Measured", tooltip="Show what the run measured", id="simulation.measured"),
    Binding("m", "show_params", "Params", tooltip="Show the parameters", id="simulation.params"),
]
"""Escape stops a run, else leaves the form, else goes back; m names the tab it shows."""
