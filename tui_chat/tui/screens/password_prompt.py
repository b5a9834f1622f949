"""Asking for a password: /register (typed twice), /login, and a guest rename.

The password is typed into masked boxes and handed back in a
`PasswordAnswer`; it is never shown, logged or kept in any input history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

__all__ = ["PasswordAnswer", "PasswordPrompt"]


@dataclass(frozen=True, slots=True)
class PasswordAnswer:
    account: str
    password: str
    # The user agreed to send it over an unencrypted link (asked only then).
    allow_plaintext: bool = False


class _Box(Input):
    """An input whose Enter and Tab move on as they arrive, even in a burst of keys.

    Textual hands a burst of keys to the box focused when they came in, so
    what was typed fast behind an Enter still lands here: it is passed on to
    the box that has the focus now.
    """

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not self and isinstance(focused, _Box):
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        if event.key == "enter" and isinstance(self.screen, PasswordPrompt):
            event.stop()
            event.prevent_default()
            self.screen.advance()
            return
        if event.key in ("tab", "shift+tab"):
            # Moved here and now: the screen's binding would run only after
            # this box has taken the keys typed behind the Tab.
            event.stop()
            event.prevent_default()
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        await super()._on_key(event)


class PasswordPrompt(ModalScreen[PasswordAnswer | None]):
    """Dismissed with the answer, or None on Escape / the cancel button."""

    DEFAULT_CSS = """
    PasswordPrompt > Vertical { width: 64; }
    PasswordPrompt Label { width: 100%; }
    PasswordPrompt #why { color: $error; height: auto; }
    PasswordPrompt #about { color: $text-muted; margin-bottom: 1; }
    PasswordPrompt #plaintext { color: $warning; }
    PasswordPrompt Horizontal { height: auto; margin-top: 1; }
    PasswordPrompt Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        about: str,
        *,
        account: str | None = None,
        confirm: bool = False,
        unencrypted: bool = False,
        ok_label: str = "Log in",
        cancel_label: str = "Cancel",
    ) -> None:
        """`account` None asks for it too; `confirm` asks for the password twice;
        `unencrypted` makes the user tick a box before the password may go."""
        super().__init__(classes="dialog")
        self.title_text = title
        self.about = about
        self.account = account
        self.confirm = confirm
        self.unencrypted = unencrypted
        self.ok_label = ok_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            about = self.about
            if self.unencrypted:
                about += (
                    " This connection is not encrypted: anyone on the way could read the password."
                )
            yield Label(about, id="about", markup=False)
            if self.account is None:
                yield _Box(placeholder="account name", id="account")
            yield _Box(placeholder="password", password=True, id="password")
            if self.confirm:
                yield _Box(placeholder="the same password again", password=True, id="again")
            if self.unencrypted:
                yield Checkbox("Send it although this connection is not encrypted", id="plaintext")
            yield Label("", id="why")
            with Horizontal():
                yield Button(self.ok_label, variant="primary", id="ok")
                yield Button(self.cancel_label, id="cancel")

    def on_mount(self) -> None:
        first = "#account" if self.account is None else "#password"
        self.query_one(first, Input).focus()

    def advance(self) -> None:
        """Enter: on to the next empty box, or answer when none is left.

        The focus moves at once (not after the queue, as focus() does): keys
        typed fast behind the Enter belong to the next box.
        """
        for box in self.query(Input):
            if not box.value:
                self.set_focus(box)
                return
        self._answer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._answer()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _answer(self) -> None:
        account = self.account or self.query_one("#account", Input).value.strip()
        password = self.query_one("#password", Input).value
        problem = None
        if not account:
            problem = "Type the account name."
        elif not password:
            problem = "Type the password."
        elif self.confirm and password != self.query_one("#again", Input).value:
            problem = "The two passwords differ: type them again."
            for box in self.query("#password, #again").results(Input):
                box.value = ""
            self.set_focus(self.query_one("#password", Input))
        consent = self.unencrypted and self.query_one("#plaintext", Checkbox).value
        if problem is None and self.unencrypted and not consent:
            problem = "Tick the box to send it unencrypted, or cancel and join with --tls."
        if problem is not None:
            self.query_one("#why", Label).update(problem)
            return
        self.dismiss(PasswordAnswer(account, password, allow_plaintext=consent))
