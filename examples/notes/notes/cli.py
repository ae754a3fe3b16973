"""Command line: `notes [--db PATH] add TEXT...`, `notes list`, `notes tags`."""
import argparse
import logging
import sys

from . import __version__
from .store import Store
from .tagging import load_rules, tags_for

log = logging.getLogger("notes")


def parse(argv):
    p = argparse.ArgumentParser(prog="notes", description="Keep short notes.")
    p.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--version", action="version", version=f"notes {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="add notes (one per argument)")
    add.add_argument("text", nargs="+")
    sub.add_parser("list", help="list notes with their tags")
    sub.add_parser("tags", help="show the tagging rules")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    rules = load_rules()
    store = Store(args.db)
    if args.cmd == "tags":
        for word, tag in sorted(rules.items()):
            print(f"{word} -> {tag}")
        return 0
    if args.cmd == "add":
        for text in args.text:
            note_id = store.add(text, tags_for(text, rules))
            log.debug("added note %d", note_id)
    for note_id, text, tags in store.all():
        print(f"{note_id}: {text} [{', '.join(tags) or '-'}]")
    return 0
