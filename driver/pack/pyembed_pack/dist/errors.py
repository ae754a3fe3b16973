"""The error a dist step reports to the user as one line."""


class DistError(Exception):
    """A user-facing failure of a distribution step (exit status 1)."""
