"""Screens shown over the chat: the name prompt, help, and questions."""
