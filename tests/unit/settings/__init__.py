"""tests.unit.settings."""
