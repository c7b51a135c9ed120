"""The `iprx` command line: subcommands, the demo, and what it prints for analysts (report, summary)."""
