"""tests.unit.commands."""
