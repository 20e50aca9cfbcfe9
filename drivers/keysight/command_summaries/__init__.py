"""The 344xx manuals' command summaries, as data for the coverage measurement."""
