"""tests.unit.storage."""
