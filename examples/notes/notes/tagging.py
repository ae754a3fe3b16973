"""Tags from keyword rules shipped as package data (data/rules.json)."""
import json
from importlib import resources


def load_rules():
    text = resources.files("notes").joinpath("data/rules.json").read_text(encoding="utf-8")
    return json.loads(text)


def tags_for(text, rules):
    words = {w.strip(".,!?").lower() for w in text.split()}
    return {tag for word, tag in rules.items() if word in words}
