"""What the server tells about itself: MOTD, LUSERS, VERSION, TIME, INFO.

Lines that differ between clients only in the nick (the welcome burst's
002-005, the MOTD, and LUSERS for each set of its counts) are serialized
once per server as `NickTemplate`s and spliced per client: building them
one by one cost ~20 µs of every connection, LUSERS ~15 µs more
(docs/benchmarks.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from tui_chat.irc.message import Message
from tui_chat.irc.numerics import (
    ERR_NOMOTD,
    RPL_ENDOFINFO,
    RPL_ENDOFMOTD,
    RPL_GLOBALUSERS,
    RPL_INFO,
    RPL_ISUPPORT,
    RPL_LOCALUSERS,
    RPL_LUSERCHANNELS,
    RPL_LUSERCLIENT,
    RPL_LUSERME,
    RPL_LUSEROP,
    RPL_LUSERUNKNOWN,
    RPL_MOTD,
    RPL_MOTDSTART,
    RPL_TIME,
    RPL_VERSION,
)
from tui_chat.server import caps
from tui_chat.server.core import VERSION, iso_time
from tui_chat.server.handlers import command
from tui_chat.server.state import Client

if TYPE_CHECKING:
    from tui_chat.server.core import ServerCore

# Writes server lines to one client; a template records what it writes.
LineWriter = Callable[["ServerCore", Client], None]
# The nick a template is recorded with; any one-word nick would do.
_PROBE_NICK = "*"

INFO_LINES = (
    f"{VERSION}: a terminal chat room that speaks IRC.",
    "Written in Python; protocol from modern.ircdocs.horse and ircv3.net.",
)


def send_motd(core: ServerCore, client: Client) -> None:
    lines = core.config.motd
    if not lines:
        core.reply(client, ERR_NOMOTD)
        return
    core.reply(client, RPL_MOTDSTART, text=f"- {core.config.server_name} Message of the day - ")
    for line in lines:
        core.reply(client, RPL_MOTD, text=f"- {line}")
    core.reply(client, RPL_ENDOFMOTD)


def send_isupport(core: ServerCore, client: Client) -> None:
    for tokens in core.isupport_lines:
        core.reply(client, RPL_ISUPPORT, *tokens, text="are supported by this server")


def send_lusers(core: ServerCore, client: Client) -> None:
    total = core.user_count
    invisible = core.mode_counts["i"]
    opers = core.mode_counts["o"]
    unknown = len(core.clients) - total
    core.reply(
        client,
        RPL_LUSERCLIENT,
        text=f"There are {total - invisible} users and {invisible} invisible on 1 servers",
    )
    core.reply(client, RPL_LUSEROP, str(opers), text="operator(s) online")
    core.reply(client, RPL_LUSERUNKNOWN, str(unknown), text="unknown connection(s)")
    core.reply(client, RPL_LUSERCHANNELS, str(len(core.channels)), text="channels formed")
    core.reply(client, RPL_LUSERME, text=f"I have {total} clients and 0 servers")
    core.reply(client, RPL_LOCALUSERS, str(total), str(total), text=f"Current local users {total}")
    core.reply(
        client, RPL_GLOBALUSERS, str(total), str(total), text=f"Current global users {total}"
    )


class NickTemplate:
    """What `writer` sends, recorded once and replayed with another nick.

    Only for lines whose one per-client part is the nick right after the
    numeric (`:server 002 <nick> ...`). A server-time client gets one `time`
    tag for all of them, as a burst may share one (server-time spec).
    """

    __slots__ = ("_lines",)

    def __init__(self, core: ServerCore, writer: LineWriter) -> None:
        probe = Client(None, "", 0, False, 0.0)  # type: ignore[arg-type]  # never written to
        probe.nick = _PROBE_NICK
        probe.outbox = []
        writer(core, probe)
        nick = _PROBE_NICK.encode()
        self._lines: list[tuple[bytes, bytes]] = []
        for line in probe.outbox:
            # `:server CODE nick ...`: the nick starts after the second space.
            start = line.index(b" ", line.index(b" ") + 1) + 1
            if line[start : start + len(nick) + 1] not in (nick + b" ", nick + b"\r"):
                raise ValueError(f"no nick after the numeric in {line!r}")
            self._lines.append((line[:start], line[start + len(nick) :]))

    def send(self, core: ServerCore, client: Client) -> None:
        nick = client.nick.encode()
        stamp = b""
        if client.form & caps.FORM_TIME:
            stamp = b"@time=" + iso_time(core.clock()).encode() + b" "
        lines = [stamp + head + nick + tail for head, tail in self._lines]
        if client.outbox is None:
            core.write(client, b"".join(lines))
        else:
            # A labeled-response batch tags each line on its own.
            for line in lines:
                core.write(client, line)


# Templates kept per writer for its varying part (LUSERS: one per combination
# of its counts, which on a busy server cycle through a few neighbouring
# values); the oldest made goes first.
TEMPLATE_VARIANTS = 64

# core -> writer -> (what the lines were made from, variant -> its template).
_Variants = dict[Hashable, NickTemplate]
_TEMPLATES: WeakKeyDictionary[ServerCore, dict[LineWriter, tuple[tuple[object, ...], _Variants]]]
_TEMPLATES = WeakKeyDictionary()


def send_cached(
    core: ServerCore, client: Client, writer: LineWriter, variant: Hashable = None
) -> None:
    """`writer(core, client)`, from a template made again when its inputs change.

    `variant`: whatever else the lines depend on (LUSERS' counts); each
    variant gets a template of its own, up to TEMPLATE_VARIANTS.
    """
    cfg = core.config
    # Everything the templated lines are made of; the ISUPPORT lines already
    # say whether the server keeps history.
    inputs = (cfg.server_name, cfg.network, tuple(cfg.motd), core.isupport_lines, core.started)
    templates = _TEMPLATES.setdefault(core, {})
    cached = templates.get(writer)
    if cached is None or cached[0] != inputs:
        cached = templates[writer] = (inputs, {})
    variants = cached[1]
    template = variants.get(variant)
    if template is None:
        if len(variants) >= TEMPLATE_VARIANTS:
            del variants[next(iter(variants))]
        template = variants[variant] = NickTemplate(core, writer)
    template.send(core, client)


def send_lusers_cached(core: ServerCore, client: Client) -> None:
    """LUSERS from a template per set of counts: 7 lines on every registration."""
    counts = (
        core.user_count,
        core.mode_counts["i"],
        core.mode_counts["o"],
        len(core.clients),
        len(core.channels),
    )
    send_cached(core, client, send_lusers, counts)


@command("MOTD")
def motd(core: ServerCore, client: Client, msg: Message) -> None:
    send_motd(core, client)


@command("LUSERS")
def lusers(core: ServerCore, client: Client, msg: Message) -> None:
    send_lusers_cached(core, client)


@command("VERSION")
def version(core: ServerCore, client: Client, msg: Message) -> None:
    core.reply(client, RPL_VERSION, VERSION, core.config.server_name, text="")
    send_isupport(core, client)


@command("TIME")
def time_(core: ServerCore, client: Client, msg: Message) -> None:
    now = core.clock()
    readable = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime(now))
    core.reply(client, RPL_TIME, core.config.server_name, str(int(now)), "0", text=readable)


@command("INFO")
def info(core: ServerCore, client: Client, msg: Message) -> None:
    for line in INFO_LINES:
        core.reply(client, RPL_INFO, text=line)
    core.reply(client, RPL_ENDOFINFO)
