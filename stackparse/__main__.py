"""``python -m stackparse``: the same command as ``stackparse``."""

from .cli import main

if __name__ == "__main__":
    main()
