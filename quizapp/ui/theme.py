"""The colour theme: Textual's built-in themes, chosen with ``--theme NAME`` or in the command palette
(ctrl+p → Theme), and kept in the store's settings so that the next start opens in it.

Which theme a start uses: ``--theme`` (stored too, like a pick in the palette: choosing a theme
either way is the learner's choice for the next start), else the stored one, else Textual's
default (``textual-dark``, or ``$TEXTUAL_THEME``). A stored name this version does not know (written
by a newer one) is left in the store and the default is used, with a toast that says so.
"""

from __future__ import annotations

import difflib
from typing import Any

from textual.app import App
from textual.theme import BUILTIN_THEMES

from ..store import Store, StoreError

THEME_KEY = "theme"
"""The store setting that holds the name of the theme picked last."""


def theme_names() -> list[str]:
    """The themes ``--theme`` takes and the palette offers, by name, sorted."""
    return sorted(BUILTIN_THEMES)


def unknown_theme(name: str) -> str | None:
    """Why ``--theme NAME`` cannot be used, in one line with the nearest name and the whole list;
    None when it names a theme."""
    names = theme_names()
    if name in names:
        return None
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"--theme '{name}' is not a theme: {hint}themes: {', '.join(names)}"


def stored_theme(store: Store) -> str | None:
    """The theme picked last, as stored (perhaps one this version does not know); None when none
    was, or when the data file cannot be read (the default theme does then)."""
    try:
        return store.setting(THEME_KEY)
    except StoreError:
        return None


def start_theme(app: App[Any], store: Store, chosen: str | None) -> str | None:
    """Put the start's theme on ``app``: ``chosen`` (`--theme`; ValueError when there is no such
    theme; stored for the next start), else the stored one. Returns what to tell the learner when
    the stored theme is not one this version has (the default is used then) or ``chosen`` could not
    be stored (it is on for this run all the same), else None."""
    if chosen is not None:
        problem = unknown_theme(chosen)
        if problem:
            raise ValueError(problem)
        app.theme = chosen
        not_kept = save_theme(store, chosen)
        return f"The theme is on, but not kept for the next start: {not_kept}" if not_kept else None
    name = stored_theme(store)
    if name is None or name == app.theme:
        return None
    if name not in app.available_themes:
        return (
            f"The saved theme '{name}' is not in this version of quizapp, so {app.theme} is used;"
            " ctrl+p → Theme picks another."
        )
    app.theme = name
    return None


def save_theme(store: Store, name: str) -> str | None:
    """Keep ``name`` as the theme of the next start; why it could not be, or None when it was."""
    try:
        if store.setting(THEME_KEY) != name:
            store.set_setting(THEME_KEY, name)
    except StoreError as exc:
        return str(exc)
    return None
