"""tests.unit.qa."""
