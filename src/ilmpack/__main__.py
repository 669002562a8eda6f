"""`python -m ilmpack` runs the command line."""

from .cli import main

main()
