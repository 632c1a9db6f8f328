"""Fault tests: real parts stopped, paused or filled up while the application runs."""
