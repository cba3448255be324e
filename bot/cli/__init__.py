"""The command line: one module per group of sub-commands; `bot/__main__.py` dispatches."""
