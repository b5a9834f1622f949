"""The widgets of the chat screen; each draws from `windows.Window` data."""
