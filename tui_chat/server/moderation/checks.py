"""What a channel's lists forbid a client: joining (+b), speaking and changing nick (+b, +q).

An exception (+e) lifts both a ban and a quiet, as on solanum. Voiced
members and channel operators may always speak. Each check folds the
client's mask only when the channel has entries to test it against, so a
room without bans pays nothing per message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.server.moderation.entries import ListEntry, Subject, first_match

if TYPE_CHECKING:
    from tui_chat.server.state import Channel, Client

__all__ = ["ban_on", "nick_change_refusal", "send_refusal"]


def _listed(channel: Channel, client: Client, mode: str) -> ListEntry | None:
    entries = channel.lists[mode]
    if not entries:
        return None
    subject = Subject.of(client)
    entry = first_match(entries, subject)
    if entry is None or first_match(channel.lists["e"], subject) is not None:
        return None
    return entry


def ban_on(channel: Channel, client: Client) -> ListEntry | None:
    """The ban keeping `client` out of `channel`, unless an exception covers it."""
    return _listed(channel, client, "b")


def send_refusal(channel: Channel, client: Client) -> str | None:
    """Why `client` may not send to `channel` (404's reason), or None if it may."""
    modes = channel.members.get(client)
    if modes:
        return None
    if modes is None and "n" in channel.modes:
        return "you are not in the channel (+n)"
    if "m" in channel.modes:
        return "the channel is moderated (+m)"
    if _listed(channel, client, "b") is not None:
        return "you are banned (+b)"
    if _listed(channel, client, "q") is not None:
        return "you are muted (+q)"
    return None


def nick_change_refusal(client: Client) -> Channel | None:
    """A channel where `client` is banned or muted without voice: no nick change then."""
    for channel in client.channels.values():
        if channel.members.get(client):
            continue
        if _listed(channel, client, "b") is not None or _listed(channel, client, "q") is not None:
            return channel
    return None
