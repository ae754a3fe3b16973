"""notes — a small realistic CLI app for pyembed's examples.

Stores notes in SQLite, tags them from a packaged JSON file read through
importlib.resources, logs with logging and parses arguments with argparse.
"""
__version__ = "1.0"
