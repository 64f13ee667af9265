"""The colour theme: Textual's built-in themes, chosen with ``--theme NAME`` or in the command palette
(ctrl+p → Theme), and kept in the store's settings so that the next start opens in it.

Which theme a start uses: ``--theme`` (stored too, like a pick in the palette: choosing a theme
either way is the learner's choice for the next start), else the stored one, else Textual's
default (``textual-dark``, or ``$TEXTUAL_THEME``). A stored name this version does not know (written
by a newer one) is left in the store and the default is used, with a toast that says so.

:class:`ThemedApp` is the part of the app that does this; ``QuizApp`` is built on it.
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


def check_theme(name: str | None) -> None:
    """ValueError (the line ``unknown_theme`` gives) when ``name`` is given and is not a theme."""
    if name is not None and (problem := unknown_theme(name)):
        raise ValueError(problem)


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
        check_theme(chosen)
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


class ThemedApp(App[None]):
    """An app that opens in the start's theme (see the module's docstring) and stores every theme
    picked later for the next start."""

    store: Store
    """The store the theme is kept in (set by the app before ``put_start_theme``)."""
    _keep_themes = False
    """Set once the start's theme is on: from then on every theme picked is stored (``watch_theme``)."""
    _theme_note: str | None = None
    """Why the stored theme was not used (one this version does not know), said once home is up."""

    def put_start_theme(self, chosen: str | None) -> None:
        """Put on the start's theme: ``chosen`` (`--theme`; ValueError when there is no such theme),
        else the stored one; from then on a theme picked is stored."""
        self._theme_note = start_theme(self, self.store, chosen)
        self._keep_themes = True

    def say_theme_note(self) -> None:
        """After the next refresh, a toast saying why the start's theme is not the one asked for, if so."""
        if self._theme_note:
            self.call_after_refresh(self.notify, self._theme_note, markup=False, timeout=8)

    def watch_theme(self, name: str) -> None:
        """A theme picked (ctrl+p → Theme) is stored for the next start at once; when the data file
        cannot be written it stays on for this session, and a toast says it was not kept."""
        problem = save_theme(self.store, name) if self._keep_themes else None
        if problem:
            self.notify(problem, title="The theme is on, but not kept", severity="warning", markup=False)
