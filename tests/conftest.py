"""Project-wide test configuration. Shared factories live in tests/factories.py."""
