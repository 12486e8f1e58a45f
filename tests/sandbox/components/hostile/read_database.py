"""Try to open the server's SQLite database and read the users and sessions."""

import sqlite3
import sys

from report import attempt, read

out, database = sys.argv[1:]


def query() -> list:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    return connection.execute("SELECT username, password FROM auth_user").fetchall()


attempt(out, "read bytes", lambda: read(database))
attempt(out, "query users", query)
