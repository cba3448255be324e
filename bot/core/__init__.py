"""The platform-free core: commands as data (registry), what they return (model), the
context a handler gets, the dispatcher (dispatch), the clock and paging. Imports no platform SDK."""
