"""Built-in shapes: exports whose records are not one contact each, turned into one row per contact in DuckDB.

A mapping names a shape with ``[source] shape = "NAME"``; its ``[columns]`` then read the shape's output
columns as they would read a flat export. Each shape is one fixed SQL file beside this module (a SELECT over
``{records}``, the relation of the export's records); nothing in it comes from the user.

- ``genesys-conversation-details``: Genesys Cloud analytics conversation detail records (``participants[]
  .sessions[].segments[]`` and ``.metrics[]``), one row per conversation. Applied to JSON records that have
  ``participants``; other records (a conversation already flattened by the user) are read as they are.
- ``asterisk-queue-log``: the Asterisk ``queue_log`` event log (``time|callid|queue|agent|event|data...``),
  one row per call and queue entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The position of a record (or of a contact's first line) in its file, carried by readers and shapes.
POSITION = "__csm_pos"


@dataclass(frozen=True)
class Shape:
    name: str
    sql_file: str
    reads: str  # "json": JSON records (__rec, __csm_pos); "queue_log": the pipe-separated event log
    applies_to_key: str | None = None  # JSON: applied only when the records have this key
    format: str = "json"  # the SourceFile format reported for a file read through the shape

    def sql(self, records: str) -> str:
        """The shape's SELECT over the relation ``records`` (a parenthesised subquery)."""
        text = (Path(__file__).resolve().parent / self.sql_file).read_text(encoding="utf-8")
        return text.replace("{records}", records)


SHAPES: dict[str, Shape] = {
    "genesys-conversation-details": Shape(
        "genesys-conversation-details", "genesys_conversation_details.sql", "json", applies_to_key="participants"
    ),
    "asterisk-queue-log": Shape("asterisk-queue-log", "asterisk_queue_log.sql", "queue_log", format="queue_log"),
}

# The Asterisk queue_log as DuckDB reads it: every field text, short lines padded with NULL. The columns
# follow the documented line format time|callid|queue|agent|event|data1|...|data5.
QUEUE_LOG_READER = (
    "read_csv($path, delim = '|', header = false, quote = '', escape = '', auto_detect = false, "
    "null_padding = true, strict_mode = false, "
    "columns = {'time': 'VARCHAR', 'callid': 'VARCHAR', 'queue': 'VARCHAR', 'agent': 'VARCHAR', "
    "'event': 'VARCHAR', 'data1': 'VARCHAR', 'data2': 'VARCHAR', 'data3': 'VARCHAR', 'data4': 'VARCHAR', "
    "'data5': 'VARCHAR'})"
)
