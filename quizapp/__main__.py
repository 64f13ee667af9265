"""`python -m quizapp`."""

from .cli import main

if __name__ == "__main__":  # guarded: a spawned simulation process imports this module too
    raise SystemExit(main())
