"""The organiser's content files as the function and the back office read them (never through Pelican)."""
