"""The web pages' colours stay legible: every pair the stylesheet puts text in reaches
WCAG's 4.5:1 contrast for normal text (a phone in a bright hall)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

# (text colour, background) as site.css uses them.
PAIRS = [
    ("--fg", "--bg"),  # body text
    ("--dim", "--bg"),  # times, rooms, authors
    ("--accent", "--bg"),  # links, quiet buttons
    ("--accent-fg", "--accent"),  # buttons
    ("--ok", "--bg"),  # "approved", a sent question
    ("--warn", "--bg"),  # "rejected", a refusal
]


def _palette() -> dict[str, str]:
    css = resources.files("bot.web").joinpath("static", "site.css").read_text("utf-8")
    root = re.search(r":root\s*{([^}]*)}", css)
    assert root is not None
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def _luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_reach_4_5_to_1(text: str, background: str) -> None:
    palette = _palette()
    hi, lo = sorted((_luminance(palette[text]), _luminance(palette[background])), reverse=True)
    ratio = (hi + 0.05) / (lo + 0.05)
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"


def test_the_contrast_rule_itself() -> None:
    """The formula, checked: black on white is 21:1, and #777 has the luminance 0.184."""
    assert round((_luminance("#ffffff") + 0.05) / (_luminance("#000000") + 0.05), 1) == 21.0
    assert _luminance("#777777") == pytest.approx(0.184, abs=0.001)
