"""Bistånd – open-source system for Swedish municipal economic assistance."""

__version__ = "0.1.0"
