"""Timed channel bans and quiets (TBAN, TQUIET) and server-wide bans (UBAN).

`TBAN <#channel> <duration> <mask>` is InspIRCd's timed ban; `TQUIET` is the
same for the quiet list. Both set an ordinary +b/+q entry, announced as a
MODE from the setter, which the server lifts when it is due and announces
as a MODE -b/-q from itself. Durations: `30s`, `10m`, `2h`, `1d`, `1w`,
`1h30m` (moderation/duration.py), at most `config.max_ban_duration`.

`UBAN` is ergo's server-wide ban, for server operators (481 otherwise):

    UBAN ADD <ip | cidr | nick!user@host | account> [DURATION <d>] [REASON <text>]
    UBAN DEL <target>
    UBAN LIST
    UBAN INFO <target>

A new ban applies at once: matching clients are disconnected (465 and an
ERROR with the reason and expiry; their channels see a QUIT). A ban on an
account also bans the addresses it is connected from, as entries of their
own (so its owner does not come back as a guest from the same address). Answers are
NOTICEs; errors are `FAIL UBAN <code>` (a NOTICE without standard-replies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.irc.casemap import casefold
from tui_chat.irc.hostname import peer_ip
from tui_chat.irc.numerics import ERR_NOPRIVILEGES
from tui_chat.server.core import log
from tui_chat.server.handlers import command
from tui_chat.server.handlers.channels import op_channel
from tui_chat.server.handlers.modes import announce_changes, apply_list_entry
from tui_chat.server.moderation import (
    BanKind,
    ServerBan,
    format_duration,
    parse_duration,
    parse_target,
)
from tui_chat.server.moderation.registry import until_text

if TYPE_CHECKING:
    from tui_chat.irc.message import Message
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

# What a timed entry does, by list mode, for the setter's confirmation.
_TIMED_VERB = {"b": "banned from", "q": "muted in"}
UBAN_USAGE = (
    "UBAN ADD <ip|cidr|nick!user@host|account> [DURATION <d>] [REASON <text>], "
    "UBAN DEL <target>, UBAN LIST, UBAN INFO <target>"
)


def duration_or_fail(core: ServerCore, client: Client, command_name: str, text: str) -> int | None:
    """Seconds of a duration argument, or None after a FAIL saying what is accepted."""
    seconds = parse_duration(text)
    limit = core.config.max_ban_duration
    if seconds is None or seconds > limit:
        core.fail(
            client,
            command_name,
            "INVALID_DURATION",
            text=f"Invalid duration {text!r}: use e.g. 30s, 10m, 2h, 1d, 1h30m "
            f"(at most {format_duration(limit)})",
        )
        return None
    return seconds


def timed_entry(core: ServerCore, client: Client, msg: Message, letter: str) -> None:
    channel = op_channel(core, client, msg.params[0])
    if channel is None:
        return
    seconds = duration_or_fail(core, client, msg.command, msg.params[1])
    if seconds is None:
        return
    change = apply_list_entry(
        core, client, channel, "+", letter, msg.params[2], expires=core.clock() + seconds
    )
    if change is None:
        return
    announce_changes(core, client, channel, [change])
    core.notice(
        client,
        f"{change[2]} is {_TIMED_VERB[letter]} {channel.name} for {format_duration(seconds)}",
    )


@command("TBAN", min_params=3)
def tban(core: ServerCore, client: Client, msg: Message) -> None:
    timed_entry(core, client, msg, "b")


@command("TQUIET", min_params=3)
def tquiet(core: ServerCore, client: Client, msg: Message) -> None:
    timed_entry(core, client, msg, "q")


@command("UBAN", min_params=1)
def uban(core: ServerCore, client: Client, msg: Message) -> None:
    if not client.is_oper:
        core.reply(client, ERR_NOPRIVILEGES)
        return
    sub = msg.params[0].upper()
    args = msg.params[1:]
    if sub == "LIST":
        uban_list(core, client)
    elif sub in ("ADD", "DEL", "INFO") and args:
        {"ADD": uban_add, "DEL": uban_del, "INFO": uban_info}[sub](core, client, args)
    else:
        core.fail(client, "UBAN", "INVALID_PARAMS", text=f"Usage: {UBAN_USAGE}")


def _options(core: ServerCore, client: Client, words: list[str]) -> tuple[int | None, str] | None:
    """DURATION and REASON of UBAN ADD: (seconds or None, reason), or None after a FAIL."""
    seconds: int | None = None
    reason = ""
    i = 0
    while i < len(words):
        word = words[i].upper()
        if word == "DURATION" and i + 1 < len(words):
            seconds = duration_or_fail(core, client, "UBAN", words[i + 1])
            if seconds is None:
                return None
            i += 2
        elif word == "REASON":
            reason = " ".join(words[i + 1 :])
            break
        else:
            core.fail(client, "UBAN", "INVALID_PARAMS", text=f"Usage: {UBAN_USAGE}")
            return None
    return seconds, reason[: core.config.ban_reason_len] or "No reason given"


def uban_add(core: ServerCore, client: Client, args: list[str]) -> None:
    target = parse_target(args[0], core.config.mask_len)
    if target is None:
        core.fail(client, "UBAN", "INVALID_TARGET", text=_invalid_target_text(args[0]))
        return
    # The reason may come as one trailing parameter holding spaces.
    options = _options(core, client, " ".join(args[1:]).split())
    if options is None:
        return
    seconds, reason = options
    moderation = core.moderation
    replacing = moderation.server_bans.get(target.kind, target.shown)
    if replacing is None and len(moderation.server_bans) >= core.config.max_server_bans:
        core.fail(client, "UBAN", "LIST_FULL", text="Too many server bans; remove one first")
        return
    now = core.clock()
    ban = ServerBan.on(target, reason, client.nick, now, None if seconds is None else now + seconds)
    if ban.matches(client):
        core.fail(client, "UBAN", "INVALID_TARGET", text=f"{target.shown} would ban yourself")
        return
    until = "permanently" if seconds is None else f"for {format_duration(seconds)}"
    _add(core, client, ban)
    core.notice(client, f"Server ban on {ban.kind.value} {ban.target} {until}: {reason}")
    bans = [ban]
    if ban.kind is BanKind.ACCOUNT:
        bans += _ban_account_addresses(core, client, ban, until)
    hit = [c for c in list(core.clients) if not c.gone and any(b.matches(c) for b in bans)]
    for victim in hit:
        moderation.refuse(core, victim)
    if hit:
        core.notice(client, f"Disconnected {len(hit)} matching connection(s)")


def _add(core: ServerCore, client: Client, ban: ServerBan) -> None:
    core.moderation.add_server_ban(ban)
    log.info("uban add %s %s by %s: %s", ban.kind.value, ban.target, client.nick, ban.reason)


def _ban_account_addresses(
    core: ServerCore, client: Client, ban: ServerBan, until: str
) -> list[ServerBan]:
    """Bans on the addresses an account banned now is connected from (QA F28).

    Without them its owner comes straight back as a guest from the same
    address. Each is an ordinary address ban, listed and lifted on its own;
    the setter is told which were added, and which not (its own address, a
    full list).
    """
    account = casefold(ban.target)
    logins = [c for c in core.clients if c.account is not None and casefold(c.account) == account]
    if not logins:
        core.notice(
            client,
            f"{ban.target} is not connected: logins to it are refused, guests are not affected",
        )
        return []
    # Only IP addresses: a host of another shape must never become a target
    # of another kind (an account, a mask).
    addresses = sorted({str(ip) for c in logins if (ip := peer_ip(c.host)) is not None})
    moderation = core.moderation
    added: list[ServerBan] = []
    for address in addresses:
        target = parse_target(address)
        if target is None:
            continue
        address_ban = ServerBan.on(target, ban.reason, ban.set_by, ban.set_at, ban.expires)
        if address_ban.matches(client):
            core.notice(client, f"Not banning {target.shown}, {ban.target}'s address: it is yours")
        elif len(moderation.server_bans) >= core.config.max_server_bans:
            core.notice(client, f"Not banning {target.shown}: too many server bans")
        else:
            _add(core, client, address_ban)
            added.append(address_ban)
            core.notice(
                client,
                f"Also banned {ban.target}'s address {target.shown} {until} "
                f"(UBAN DEL {target.shown} lifts it)",
            )
    return added


def _invalid_target_text(text: str) -> str:
    shown = text[:64]
    if "/" in text or text[:1].isdigit() or ":" in text:
        return f"{shown} is not a valid IP address or network (e.g. 10.0.0.1, 10.0.0.0/8)"
    return f"Not an address, hostmask or account name: {shown}"


def _find(core: ServerCore, client: Client, text: str) -> ServerBan | None:
    """The ban on target `text`, or None after a FAIL."""
    target = parse_target(text, core.config.mask_len)
    ban = None if target is None else core.moderation.server_bans.get(target.kind, target.shown)
    if ban is None:
        core.fail(client, "UBAN", "NOT_FOUND", text=f"No server ban on {text}")
    return ban


def uban_del(core: ServerCore, client: Client, args: list[str]) -> None:
    ban = _find(core, client, args[0])
    if ban is not None and core.moderation.remove_server_ban(ban):
        log.info("uban del %s %s by %s", ban.kind.value, ban.target, client.nick)
        core.notice(client, f"Removed the server ban on {ban.kind.value} {ban.target}")


def uban_info(core: ServerCore, client: Client, args: list[str]) -> None:
    ban = _find(core, client, args[0])
    if ban is not None:
        core.notice(client, describe(ban, core.clock()))


def uban_list(core: ServerCore, client: Client) -> None:
    now = core.clock()
    bans = core.moderation.server_bans.listing()
    for ban in bans:
        core.notice(client, describe(ban, now))
    core.notice(client, f"End of UBAN LIST ({len(bans)} server ban{'s' if len(bans) != 1 else ''})")


def describe(ban: ServerBan, now: float) -> str:
    """`mask *!*@evil.example: spam (by alice 2h ago, expires in 1d)`."""
    ago = format_duration(now - ban.set_at)
    until = until_text(ban, now)
    return f"{ban.kind.value} {ban.target}: {ban.reason} (by {ban.set_by} {ago} ago, {until})"
