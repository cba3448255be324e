"""The agenda model and its queries."""

from bot.programme.matching import Found, normalise
from bot.programme.model import Agenda, EventInfo, Person, Room, Session

__all__ = ["Agenda", "EventInfo", "Found", "Person", "Room", "Session", "normalise"]
