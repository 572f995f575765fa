"""The shared kernel."""
