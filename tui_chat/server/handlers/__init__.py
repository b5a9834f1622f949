"""The command registry: one function per IRC command, grouped in modules here.

To add a command, write a function in any module of this package (a new
module is fine; nothing else needs editing) and decorate it:

    from tui_chat.server.handlers import command

    @command("TIME", min_params=0)
    def time_(core: ServerCore, client: Client, msg: Message) -> None:
        core.reply(client, RPL_TIME, core.config.server_name, "...")

`min_params`: fewer parameters get 461 ERR_NEEDMOREPARAMS before the
function runs. `registered=False` lets the command run before registration
(CAP, NICK, PING...); the rest get 451 ERR_NOTREGISTERED. `load_all()`
imports every module of this package once, which fills `HANDLERS`; the core
calls it. A handler reports bad input with `core.reply(client, ERR_..., ...)`
and never raises for it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.irc.message import Message
    from tui_chat.server.core import ServerCore
    from tui_chat.server.state import Client

Handler = Callable[["ServerCore", "Client", "Message"], None]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    func: Handler
    min_params: int
    registered: bool


HANDLERS: dict[str, CommandSpec] = {}


def command(
    name: str, *, min_params: int = 0, registered: bool = True
) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError(f"command {name} registered twice")
        HANDLERS[name] = CommandSpec(name, func, min_params, registered)
        return func

    return register


def load_all() -> dict[str, CommandSpec]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return HANDLERS
