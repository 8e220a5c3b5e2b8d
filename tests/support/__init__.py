"""Helpers shared by tests: builders, browser login, finance and order set-ups. Tests import from here, never from conftest."""
