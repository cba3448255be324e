"""The agenda model and its queries."""

from bot.agenda.matching import Found, normalise
from bot.agenda.model import Agenda, EventInfo, Person, Room, Session

__all__ = ["Agenda", "EventInfo", "Found", "Person", "Room", "Session", "normalise"]
