"""`python -m quizapp`."""

from .cli import main

raise SystemExit(main())
