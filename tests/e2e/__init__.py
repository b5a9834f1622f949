"""End-to-end tests: real servers and clients over real sockets."""
