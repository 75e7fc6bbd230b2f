"""Runs the W3C feed validator (the `feedvalidator` package beside this file) over documents given on stdin.

Input: a JSON array of {"name", "url", "contentType", "body"}: the document as served (its URL, so that its self
link is where it says it is, and the media type a reader would get). Output: a JSON array, one entry per document,
{"name", "feedType", "events": [{"level", "type", "line", "column", "message"}]}, holding every error and warning
the online validator would show (its "AA" level), in its own words. Nothing is fetched: the documents are read
from stdin and the validator's network code is never called.
"""

import io
import json
import os
import sys

# Leave no __pycache__ in the tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import feedvalidator  # noqa: E402
from feedvalidator import compatibility  # noqa: E402
from feedvalidator.formatter.text_plain import Formatter  # noqa: E402
from feedvalidator.logging import Error  # noqa: E402


def check(document):
    result = feedvalidator.validateStream(
        io.BytesIO(document["body"].encode("utf-8")),
        firstOccurrenceOnly=0,
        contentType=document["contentType"],
        base=document["url"],
    )
    events = compatibility.AA(result["loggedEvents"])
    formatter = Formatter(events)
    return {
        "name": document["name"],
        "feedType": result.get("feedType"),
        "events": [
            {
                "level": "error" if isinstance(event, Error) else "warning",
                "type": type(event).__name__,
                "line": event.params.get("line"),
                "column": event.params.get("column"),
                "message": formatter.getMessage(event),
            }
            for event in events
        ],
    }


if __name__ == "__main__":
    documents = json.load(sys.stdin)
    json.dump([check(document) for document in documents], sys.stdout)
