"""Helpers that know nothing of Django: calendar, coordinates, codes."""
