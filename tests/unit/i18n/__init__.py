"""tests.unit.i18n."""
