"""tests.browser."""
