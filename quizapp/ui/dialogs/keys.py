"""The key guide (`?`): what each key does on the screen underneath, in plain words; and the rule that
a key which does nothing right now says why.

The rows come from the bindings live on that screen (the focused widget's, the screen's and the app's,
nearest first, as Textual looks them up), so a key added, removed or remapped shows up here by itself;
this module only adds the words, keyed by binding id (or ``Class.action`` for Textual's own widgets,
whose bindings have no id) under the screen's class name. A binding of ours with no words falls back
to its footer description; a test checks that every screen's own bindings have words."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from textual import events
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from .key_words import COMMON, GUIDES, Guide

KEY_NAMES = {
    "escape": "esc",
    "enter": "Enter",
    "space": "Space",
    "tab": "Tab",
    "shift+tab": "shift+Tab",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "question_mark": "?",
    "slash": "/",
}


def key_name(key: str) -> str:
    """How a key is written in the guide: 'esc', 'Enter', '↑', '?', 'ctrl+g'."""
    return KEY_NAMES.get(key, key)


ARROWS = ("←", "→", "↑", "↓")


def key_label(keys: list[str]) -> str:
    """The keys of one row: arrows, then named keys (esc, Enter), then single characters (letters
    and digits sorted, a run of four or more shortened: 'a-h 1-8'), then combinations (ctrl+s)."""
    names = list(dict.fromkeys(key_name(k) for k in keys))
    arrows = [n for n in names if n in ARROWS]
    singles = [n for n in names if len(n) == 1 and n not in ARROWS]
    combos = [n for n in names if "+" in n]
    named = [n for n in names if n not in arrows and n not in singles and n not in combos]
    letters = sorted(c for c in singles if c.isalnum() and not c.isdigit())
    digits = sorted(c for c in singles if c.isdigit())
    others = [c for c in singles if c not in letters and c not in digits]
    return " ".join([*arrows, *named, *runs(letters), *runs(digits), *others, *combos])


def runs(chars: list[str]) -> list[str]:
    """Sorted single characters with each run of four or more consecutive ones as 'a-h'."""
    out: list[str] = []
    start = 0
    for end in range(1, len(chars) + 1):
        if end == len(chars) or ord(chars[end]) != ord(chars[end - 1]) + 1:
            group = chars[start:end]
            out += [f"{group[0]}-{group[-1]}"] if len(group) >= 4 else group
            start = end
    return out


@dataclass
class Row:
    """One line of the guide: its keys, what they do, and whether they act right now."""

    keys: list[str]
    words: str
    enabled: bool
    rank: int


KEYS_BINDING = Binding(
    "question_mark", "app.toggle_keys", "Keys", key_display="?", show=False, id="dialog.keys"
)
"""For dialogs: Textual stops the app's bindings at a modal screen, so each dialog binds ? itself."""


def binding_nodes(screen: Screen[object]) -> list[DOMNode]:
    """The nodes whose bindings are live on ``screen``, nearest first: the focused widget and its
    containers, the screen, and the app unless the screen is a dialog (as Textual's modal binding
    chain has them)."""
    nodes: list[DOMNode] = []
    node: DOMNode | None = screen.focused
    while node is not None and node is not screen:
        nodes.append(node)
        node = node.parent
    return [*nodes, screen] if screen.is_modal else [*nodes, screen, screen.app]


def node_bindings(node: DOMNode) -> Mapping[str, list[Binding]]:
    """The node's bindings by key, remapped by the app's keymap (Textual keeps them in ``_bindings``)."""
    return node._bindings.key_to_bindings


def declared(node: DOMNode) -> list[tuple[str, Binding]]:
    """The node's (key, binding) pairs in the order its BINDINGS declare them (Textual keeps them by
    key, so the 7th option's g would otherwise put the grid before Enter)."""
    ids = [b.id for b in Binding.make_bindings(getattr(type(node), "BINDINGS", [])) if b.id]
    pairs = [(key, b) for key, bindings in node_bindings(node).items() for b in bindings]
    return sorted(pairs, key=lambda pair: ids.index(pair[1].id) if pair[1].id in ids else len(ids))


def action_enabled(node: DOMNode, action: str) -> bool:
    """Whether the binding's action would run now (its node's check_action)."""
    destination, name, params = parse(action)
    return True if destination else bool(node.check_action(name, params))


def words_for(node: DOMNode, binding: Binding, words: Mapping[str, str]) -> str | None:
    """What a binding does on this screen: by its id (a choice key's id names all eight), else by
    ``Class.action`` for Textual's widgets; ours without words fall back to their footer description."""
    if binding.id:
        scope, _, name = binding.id.partition(".")
        if name.startswith("choose-"):
            name = "choose"
        said = words.get(f"{scope}.{name}")
        if said is not None:
            return said
    action = parse(binding.action)[1]
    for cls in type(node).__mro__:
        said = words.get(f"{cls.__name__}.{action}")
        if said is not None:
            return said
    return binding.description if binding.id else None


def guide_for(screen: Screen[object]) -> Guide:
    """The screen's words, or a plain default for a screen the guide does not know."""
    return GUIDES.get(type(screen).__name__, Guide(type(screen).__name__, ""))


def guide_rows(screen: Screen[object]) -> list[Row]:
    """Every key live on ``screen`` that does something worth saying, with its words; keys that mean
    the same are one row. A key bound nearer the focus hides the same key further out, as in Textual.
    The screen's own keys come first, then the focused widget's, then the app's (ours before
    Textual's)."""
    words = {**COMMON, **guide_for(screen).keys}
    nodes = binding_nodes(screen)
    rows: dict[str, Row] = {}
    claimed: set[str] = set()
    for node in nodes:
        here: set[str] = set()
        for key, binding in declared(node):
            if key in claimed:
                continue
            here.add(key)
            said = words_for(node, binding, words)
            if said is None:
                continue
            rank = 0 if node is screen else 1 if node is not screen.app else 2 if binding.id else 3
            row = rows.setdefault(said, Row([], said, False, rank))
            row.keys.append(key)
            row.enabled = row.enabled or action_enabled(node, binding.action)
        claimed |= here
    return sorted(rows.values(), key=lambda row: row.rank)


def sentence(clause: str) -> str:
    """'no file was skipped' -> 'No file was skipped.' (reasons are clauses, to fit 'Not now: …')."""
    clause = clause.strip()
    if not clause:
        return clause
    return clause[0].upper() + clause[1:] + ("" if clause.endswith((".", "?", "!")) else ".")


def disabled_reason(screen: Screen[object], key: str) -> str | None:
    """Why ``key`` does nothing on ``screen`` right now (its binding is disabled and the screen says
    why), or None when the key acts or the screen has nothing to say."""
    active = screen.active_bindings.get(key)
    if active is not None and active.enabled:
        return None
    why_not = getattr(screen, "why_not", None)
    if why_not is None:
        return None
    for binding in node_bindings(screen).get(key, []):
        _, action, parameters = parse(binding.action)
        reason = why_not(action, parameters)
        if reason:
            return str(reason)
    return None


class SaysWhy:
    """For screens: a key whose binding is disabled right now says why instead of doing nothing.

    The screen answers ``why_not(action)``; the reason goes to ``say`` (a notification; dialogs show
    it inside themselves instead). The key reaches the screen before Textual looks up its binding,
    which then finds it disabled and does nothing more."""

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why ``action`` cannot run now, as a clause; None when it can or there is nothing to say."""
        return None

    def say(self, message: str) -> None:
        """Tell the learner, as a sentence in a short notification."""
        self.notify(sentence(message), markup=False, timeout=4)  # type: ignore[attr-defined]

    def on_key(self, event: events.Key) -> None:
        """A disabled key: say why."""
        reason = disabled_reason(self, event.key)  # type: ignore[arg-type]
        if reason:
            self.say(reason)


class KeyGuide(ModalScreen[None]):
    """What each key does on the screen underneath; ? or esc closes it."""

    BINDINGS = [Binding("escape,question_mark", "close", "Close", id="keys.close")]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.guide = guide_for(screen)
        self.rows = guide_rows(screen)

    def compose(self) -> ComposeResult:
        """The screen's name, what it is for, and a row per key."""
        with Vertical(id="keys-dialog", classes="dialog"):
            yield Static(
                Content.assemble(("Keys", "bold"), ("  ·  ", "dim"), (self.guide.title, "bold")),
                classes="dialog-title",
            )
            with VerticalScroll(id="keys-list"):
                if self.guide.intro:
                    yield Static(Content(self.guide.intro), id="keys-intro")
                yield from self._rows()
            hint = Content.assemble(
                ("?", "bold"), " or ", ("esc", "bold"), " closes · ↑↓ scroll · dim: does nothing right now"
            )
            yield Static(hint, id="keys-hint", classes="dim")

    def _rows(self) -> Iterator[Horizontal]:
        """One row per key: the keys in a column, the words beside them (hanging indent)."""
        for row in self.rows:
            yield Horizontal(
                Static(Content.styled(key_label(row.keys), "bold"), classes="keys-key"),
                Static(Content(row.words), classes="keys-words"),
                classes="keys-row" if row.enabled else "keys-row -off",
            )

    def on_mount(self) -> None:
        """Focus the list, so the arrows scroll it."""
        self.query_one("#keys-list").focus()

    def on_resize(self) -> None:
        """The list takes what the dialog's 90% of the terminal leaves (6 lines go to the rest), so
        the hint stays in view and the list scrolls at 80x24."""
        rest = 6
        self.query_one("#keys-list").styles.max_height = max(3, int(self.size.height * 0.9) - rest)

    def action_close(self) -> None:
        """Back to the screen."""
        self.dismiss(None)
