"""Availability and skills as the dispatcher reads them, kept beside each volunteer as derived columns.

A volunteer's availability ([{weekday, start, end}]) becomes seven 48-bit day masks of half-hours, their
skills a list of normalised keys and their teams one integer of bits, whenever any is changed (the model's
validators), so a dispatch round reads a
million volunteers' fixed-width columns without parsing JSON or decrypting anything.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from config.catalog import AREAS

#: A volunteer's area teams as one integer (Volunteer.team_bits): bit i for the i-th of the nine areas.
AREA_INDEX = {area: i for i, area in enumerate(AREAS)}

#: Availability is kept per weekday as a 48-bit mask of half-hours (bit i = [i·30, i·30 + 30) minutes).
CELL_MINUTES = 30
CELLS = 24 * 60 // CELL_MINUTES
FULL_DAY = (1 << CELLS) - 1


def _minutes(clock: str, *, end: bool) -> int:
    hours, minutes = (int(part) for part in clock.split(":"))
    total = hours * 60 + minutes
    # "HH:MM" cannot say 24:00: a window ending at 23:59 runs to midnight.
    return 24 * 60 if end and total >= 23 * 60 + 59 else total


def _cells(start_minute: int, end_minute: int) -> int:
    """The mask of the half-hours wholly inside [start, end) (a window shrinks to whole half-hours)."""
    first = -(-start_minute // CELL_MINUTES)
    last = end_minute // CELL_MINUTES
    return ((1 << last) - (1 << first)) if last > first else 0


def day_masks(availability: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """[{weekday 1–7, start "HH:MM", end "HH:MM"}] → int64 array of 7 masks (Monday first).

    Overlapping and adjacent windows of a day merge. An empty availability is never available.
    """
    masks = np.zeros(7, dtype=np.int64)
    for window in availability:
        weekday = int(window["weekday"])
        if not 1 <= weekday <= 7:
            raise ValueError(f"weekday out of range: {weekday}")
        start = _minutes(str(window["start"]), end=False)
        end = _minutes(str(window["end"]), end=True)
        masks[weekday - 1] |= _cells(start, end)
    return masks


def normalise_skill(skill: str) -> str:
    """NFKC (full-width → half-width and friends), case-folded, trimmed, inner spaces collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", skill).casefold())
    return " ".join(folded.split())


def mask_bytes(availability: Sequence[Mapping[str, Any]] | None) -> bytes:
    """The seven day masks as 56 bytes (little-endian int64, Monday first): Volunteer.availability_mask."""
    return day_masks(availability or []).astype("<i8").tobytes()


MASK_BYTES = 56
EMPTY_MASK = bytes(MASK_BYTES)


def skill_keys(skills: Iterable[str] | None) -> list[str]:
    """The distinct normalised skills, sorted: Volunteer.skill_keys."""
    return sorted({normalise_skill(skill) for skill in skills or [] if normalise_skill(skill)})
