"""What the app reads off the terminal itself: a key the terminal's parser joined with the Esc typed
just before it, and whether the terminal has hung up. ``QuizApp`` uses both."""

from __future__ import annotations

import errno
import sys


def typed_after_escape(key: str) -> tuple[str, str] | None:
    """The key and character typed right after Esc, when a terminal's parser joined the two into one
    Alt key: within Textual's escape delay (0.1 s) 'Esc n' arrives as 'alt+n', so a fast 'g Esc n' in
    an exam left the grid open and lost the n. quizapp binds no Alt key, so it is split back."""
    if not key.startswith("alt+"):
        return None
    rest = key.removeprefix("alt+")
    if rest.startswith("shift+") and len(rest) == 7 and rest[-1].isalpha():
        return rest[-1].upper(), rest[-1].upper()
    if len(rest) == 1 and rest.isalnum():
        return rest, rest
    return None


def _terminal_alive() -> bool:
    """False once the terminal on stdin has hung up (its state can no longer be read). Without
    termios (not POSIX) there is no way to tell, so it counts as alive."""
    try:
        import termios
    except ImportError:
        return True
    stdin = sys.__stdin__
    if stdin is None:
        return True
    try:
        termios.tcgetattr(stdin.fileno())
    except (OSError, ValueError, AttributeError, termios.error) as exc:
        return not isinstance(exc, termios.error) or exc.args[0] not in (errno.EIO, errno.ENXIO)  # hung up
    return True
