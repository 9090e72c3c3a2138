"""The command line: argument parsing, one module per command, printing and exit codes."""
