"""The IRC client session the TUI talks through; no Textual here.

    session = ClientSession(ConnectOptions(host, port, nick), on_event)
    await session.run()            # until quit() or a fatal error
    await session.send_message("#lobby", "hi")

Modules: `session` (connection, reconnects, actions), `dispatch` (incoming
lines -> state and events, sans-IO), `registration` (CAP and nick choice),
`state` (rooms, members), `events` (what the UI receives), `reply_text`
(numerics as sentences), `history` (chathistory requests), `text_split`,
`pacing`, `backoff`, `isupport`, `pinning` (TLS trust on first use).
"""
