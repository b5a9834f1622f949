"""Run the chat server on an event loop of its own thread.

`ServerThread` is what `tui-chat host` uses beside the Textual app and what
`tui-chat serve` uses in the foreground (`run_foreground`): the same code path
either way, so the headless server and the hosted one cannot drift apart.

Stopping is thread-safe and may come at any time, even before the socket is
bound: the request is recorded under a lock, and the loop, once it exists,
is woken with `call_soon_threadsafe`.

With `ServerConfig.history_db` set, the message store is opened on the loop
thread before the socket is bound (a file that cannot be opened fails
`start()`), its saved channels are loaded, and it is closed after the
core's shutdown, committing whatever was still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING

from tui_chat.server.core import ServerCore
from tui_chat.server.gc_tuning import tune_gc
from tui_chat.server.handlers.chathistory import ServerHistory
from tui_chat.server.history import History
from tui_chat.server.listener import (
    SHUTDOWN_GRACE,
    TICK_INTERVAL,
    Endpoint,
    Listener,
    ServerStartError,
)

if TYPE_CHECKING:
    from tui_chat.server.config import ServerConfig

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SHUTDOWN_REASON",
    "START_TIMEOUT",
    "STOP_TIMEOUT",
    "Endpoint",
    "ServerStartError",
    "ServerThread",
    "new_event_loop",
    "run_foreground",
]

log = logging.getLogger("tui_chat.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3131
# Seconds start() waits for the socket to be bound; start(timeout=...) changes it.
START_TIMEOUT = 10.0
# Seconds stop() waits for the thread to end; stop(timeout=...) changes it.
# Longer than the listener's shutdown grace, so clients get their ERROR line.
STOP_TIMEOUT = 10.0
SHUTDOWN_REASON = "Server shutting down"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop loop when uvloop is installed, the standard one otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class ServerThread:
    """One server core and its listener, on an asyncio loop in a daemon thread.

    `start()` blocks until the socket is bound and returns the bound address,
    or raises `ServerStartError`. `stop()` may be called from any thread, any
    number of times. A ServerThread runs once; make a new one to restart.
    """

    def __init__(
        self,
        config: ServerConfig,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        ssl_context: ssl.SSLContext | None = None,
        extra_endpoints: Sequence[Endpoint] = (),
        tick_interval: float = TICK_INTERVAL,
        shutdown_grace: float = SHUTDOWN_GRACE,
    ) -> None:
        self._config = config
        # The first endpoint is the one start() reports; a TLS listener beside
        # a plain one is an extra endpoint.
        self._endpoints = [Endpoint(host, port, ssl_context), *extra_endpoints]
        self._addresses: list[tuple[str, int]] = []
        self._tick_interval = tick_interval
        self._shutdown_grace = shutdown_grace
        self._lock = threading.Lock()
        self._bound = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop_reason: str | None = None
        self._start_error: BaseException | None = None

    @property
    def config(self) -> ServerConfig:
        return self._config

    @property
    def address(self) -> tuple[str, int] | None:
        """The (host, port) the first endpoint bound, once `start()` returned."""
        return self._addresses[0] if self._addresses else None

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Every endpoint's bound (host, port), in the order they were given."""
        return list(self._addresses)

    @property
    def stop_requested(self) -> bool:
        return self._stop_reason is not None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = START_TIMEOUT) -> tuple[str, int]:
        if self._thread is not None:
            raise RuntimeError("a ServerThread can be started only once")
        self._thread = threading.Thread(target=self._run, name="tui-chat-server", daemon=True)
        self._thread.start()
        if not self._bound.wait(timeout):
            # Whether or not it stops in time, the readable error is the one to raise.
            with contextlib.suppress(TimeoutError):
                self.stop()
            raise ServerStartError(f"the server did not start within {timeout:g} s")
        if self._start_error is not None:
            self._thread.join()
            if isinstance(self._start_error, ServerStartError):
                raise self._start_error
            raise ServerStartError(f"the server failed to start: {self._start_error}")
        return self._addresses[0]

    def request_stop(self, reason: str = SHUTDOWN_REASON) -> None:
        """Ask the server to shut down and return at once (safe from signal handlers)."""
        with self._lock:
            if self._stop_reason is not None:
                return
            self._stop_reason = reason
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            # RuntimeError: the loop already closed, nothing left to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the server thread to end; True if it has (or never started)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT, reason: str = SHUTDOWN_REASON) -> None:
        """Shut down (clients get an ERROR line) and wait for the thread to end."""
        self.request_stop(reason)
        if self._thread is not threading.current_thread() and not self.wait(timeout):
            raise TimeoutError(f"the server thread did not stop within {timeout:g} s")

    def _run(self) -> None:
        try:
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                runner.run(self._serve())
        except BaseException as exc:
            if not self._bound.is_set():
                # start() turns it into one line; keep the details for --log-level debug.
                log.debug("the server failed to start", exc_info=exc)
                self._start_error = exc
            else:
                log.exception("the server loop crashed")
        finally:
            self._bound.set()

    async def _serve(self) -> None:
        history = self._open_history(asyncio.get_running_loop())
        try:
            await self._serve_with(history)
        finally:
            if history is not None:
                # Writes of the last loop iteration, then the store's own flush.
                history.send_outgoing()
                history.store.close()

    def _open_history(self, loop: asyncio.AbstractEventLoop) -> ServerHistory | None:
        path = self._config.history_db
        if path is None:
            return None
        store = History.open(path, self._config.history, deliver=loop.call_soon_threadsafe)
        try:
            saved = store.reader.load_channels().result()
        except BaseException:
            store.close()
            raise
        log.debug("history: %s, %d saved channels", path, len(saved))
        return ServerHistory(store, saved, loop.call_soon_threadsafe)

    async def _serve_with(self, history: ServerHistory | None) -> None:
        # call_later: flood-held input is released the moment the allowance
        # refills, not on the next once-a-second tick.
        core = ServerCore(
            self._config, call_later=asyncio.get_running_loop().call_later, history=history
        )
        listener = Listener(
            core, tick_interval=self._tick_interval, shutdown_grace=self._shutdown_grace
        )
        wake = asyncio.Event()
        try:
            for endpoint in self._endpoints:
                self._addresses.append(
                    await listener.listen(
                        endpoint.host, endpoint.port, ssl_context=endpoint.ssl_context
                    )
                )
        except BaseException:
            if self._addresses:
                # A later endpoint failed: release the ones already bound.
                await listener.close()
                self._addresses.clear()
            raise
        with self._lock:
            self._loop, self._wake = asyncio.get_running_loop(), wake
            if self._stop_reason is not None:
                wake.set()
        self._bound.set()
        try:
            await wake.wait()
        finally:
            await listener.close(self._stop_reason or SHUTDOWN_REASON)


def run_foreground(
    server: ServerThread, *, on_ready: Callable[[ServerThread], None] | None = None
) -> bool:
    """Run `server` until SIGINT or SIGTERM, then shut it down cleanly.

    Must run on the main thread (signal handlers live there). Raises
    `ServerStartError` if the server cannot start; returns True after a
    requested stop, False if the server loop ended on its own (a crash).
    """

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        server.request_stop()

    # Installed before start(): a signal during start-up is a stop request too.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        tune_gc(server.config.gc_threshold)
        if on_ready is not None:
            on_ready(server)
        # join() is interrupted by signals on POSIX, runs on_signal, then resumes.
        server.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return server.stop_requested
