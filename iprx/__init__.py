"""Command line, configuration, topic names and demo orchestration of ipr-exchange."""
