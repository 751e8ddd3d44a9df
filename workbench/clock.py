"""UTC time stamps in the one text form the project file uses."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now_text() -> str:
    """Return the current UTC time as ISO 8601 text with microseconds and a Z suffix."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch_to_text(seconds: float | int | None) -> str | None:
    """Format Unix seconds as ISO 8601 UTC text (second precision); None stays None."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(float(seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_to_epoch(text: str | None) -> float | None:
    """Parse ISO 8601 UTC text written by this module back to Unix seconds."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
