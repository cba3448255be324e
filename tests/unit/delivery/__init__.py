"""tests.unit.delivery."""
