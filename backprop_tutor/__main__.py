"""`python -m backprop_tutor` works as `tutor` does."""

from backprop_tutor.cli import main

raise SystemExit(main())
