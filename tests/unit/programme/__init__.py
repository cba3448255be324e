"""tests.unit.programme."""
