"""QA F17 as the host sees it: its nick registered by someone else, the host is still itself."""

from __future__ import annotations

from pathlib import Path

from e2e.ircpeer import IrcPeer
from e2e.test_e2e_accounts import start_negotiation

from tests.tui.test_end_to_end import SIZE, until
from tui_chat.cli import chat_app, start_host_server
from tui_chat.config import Settings


async def test_the_host_takes_its_nick_back_from_a_squatter(tmp_path: Path) -> None:
    server, address, oper = start_host_server(
        "127.0.0.1", 0, history_db=str(tmp_path / "history.sqlite3")
    )
    try:
        squatter = await IrcPeer.connect(address)
        await start_negotiation(squatter, "hostie", "draft/account-registration")
        await squatter.send("REGISTER * * :squatterpw1", "NICK squat", "CAP END")
        await squatter.expect("001")
        host = chat_app(Settings(nick="hostie", bell_on_mention=False), *address, oper=oper)
        async with host.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: host.current_key == "#lobby")
            status = host.screen.query_one("#status")
            await until(pilot, lambda: "hostie ✓" in str(status.render()))
            await until(
                pilot,
                lambda: any("registered with a password" in line for line in host.log_lines("")),
            )
            await squatter.expect("901")
            await pilot.press("ctrl+q")
        await squatter.close()
    finally:
        server.stop()
