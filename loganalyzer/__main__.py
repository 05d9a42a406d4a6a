"""``python -m loganalyzer``."""

from loganalyzer.cli import main

main()
