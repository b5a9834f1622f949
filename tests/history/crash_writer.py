"""Child process of the crash test: stores messages forever, printing each msgid once committed.

Usage: python crash_writer.py DB_PATH. A line on stdout means "this message's
batch commit returned", the moment the core would deliver it.
"""

from __future__ import annotations

import sys
import threading
import time

from tui_chat.server.history import Conversation, History, HistoryRecord, StoreResult, StoreStatus

# Messages submitted but not yet committed, at most: keeps the queue, and the
# work lost to the kill, bounded.
IN_FLIGHT = 2000


def main(path: str) -> None:
    room = Conversation.channel("#crash")
    slots = threading.BoundedSemaphore(IN_FLIGHT)

    def committed(result: StoreResult) -> None:
        if result.status is StoreStatus.STORED:
            sys.stdout.write(result.msgid + "\n")
            sys.stdout.flush()
        slots.release()

    history = History.open(path)
    n = 0
    while True:
        slots.acquire()
        record = HistoryRecord(
            f"c{n}", int(time.time() * 1000), "PRIVMSG", "w!w@h", "#crash", f"message {n}"
        )
        history.writer.submit(room, record, committed)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1])
