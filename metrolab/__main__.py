"""Allow ``python -m metrolab``."""

from metrolab.cli import main

main()
