"""SQLite storage for notes and their tags."""
import json
import sqlite3


class Store:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("create table if not exists notes "
                        "(id integer primary key, text text, tags text)")

    def add(self, text, tags):
        cur = self.db.execute("insert into notes (text, tags) values (?, ?)",
                              (text, json.dumps(sorted(tags))))
        self.db.commit()
        return cur.lastrowid

    def all(self):
        rows = self.db.execute("select id, text, tags from notes order by id")
        return [(i, t, json.loads(tags)) for i, t, tags in rows]
