"""`python -m backprop_tutor` works as `tutor` does."""

from backprop_tutor.cli import main

# The guard matters: worker processes started with "spawn" (Dask's, for `tutor sweep --cluster local`)
# import the main module again, and must not run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
