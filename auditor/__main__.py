"""`python -m auditor` runs the command-line interface."""

from auditor.cli.main import main

main()
