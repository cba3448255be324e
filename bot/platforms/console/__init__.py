"""The terminal: the embedded default surface, commands typed on stdin."""
