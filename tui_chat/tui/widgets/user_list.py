"""The member list on the right: operators first, away members dimmed, logged-in ones ticked."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat.client.events import Member
from tui_chat.irc.casemap import casefold
from tui_chat.tui.widgets.message_lines import nick_colour, visible

__all__ = ["UserList"]

# Sort rank of a member's highest prefix: owners and operators first, then voiced.
_PREFIX_RANK = {"~": 0, "&": 1, "@": 2, "%": 3, "+": 4}
_NO_PREFIX_RANK = len(_PREFIX_RANK)


def _rank(member: Member) -> tuple[int, str]:
    first = member.prefixes[:1]
    return _PREFIX_RANK.get(first, _NO_PREFIX_RANK), casefold(member.nick)


class UserList(OptionList):
    """Selecting a member (click or Enter) posts `OptionSelected` with id "u:<nick>"."""

    DEFAULT_CSS = """
    UserList { width: 20; }
    """

    def show(self, members: Iterable[Member]) -> None:
        ordered = sorted(members, key=_rank)
        self.set_options(Option(self._label(m), id=f"u:{m.nick}") for m in ordered)
        self.border_title = f"{len(ordered)} here" if ordered else ""

    @staticmethod
    def nick_of(option_id: str | None) -> str | None:
        return option_id[2:] if option_id and option_id.startswith("u:") else None

    @staticmethod
    def _label(member: Member) -> Text:
        label = Text(member.prefixes[:1] or " ", style="bold", no_wrap=True, overflow="ellipsis")
        label.append(visible(member.nick), style="dim" if member.away else nick_colour(member.nick))
        if member.account:
            label.append(" ✓", style="green")  # logged in: the name is theirs
        return label
