"""WCAG contrast of a theme's colours, as the widget actually paints them, light and dark.

The widget's stylesheet derives some colours (muted text, the dark palette when a theme
has none) with ``color-mix(in srgb, …)``; ``palettes`` repeats those few formulas so the
ratios checked here are the ones viewers see. Keep them in step with ``widget.css``.

Under ``WARN_BELOW`` (WCAG AA for normal text) the admin is warned on save; under
``REFUSE_BELOW`` (AA for large text and user-interface parts) the theme is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

WARN_BELOW = 4.5
REFUSE_BELOW = 3.0

# Derived dark colours, as in widget.css.
DARK_BASE_BG = "#0b1120"
DARK_BASE_SURFACE = "#172033"
DARK_TEXT = "#f1f5f9"
MUTED_TEXT_SHARE = 72  # --bw-muted: the text colour 72 %, the background 28 %

# (label, foreground slot, background slot): what the widget draws on what.
PAIRS = (
    ("Text on background", "text", "background"),
    ("Text on surface", "text", "surface"),
    ("Muted text on background", "muted", "background"),
    ("Muted text on surface", "muted", "surface"),
    ("Accent on background", "accent", "background"),
    ("Accent on surface", "accent", "surface"),
)

# Which theme field (light palette) or dark field a slot comes from, for naming the culprit.
LIGHT_FIELDS = {"background": "background", "surface": "surface", "text": "text", "accent": "accent"}
DARK_FIELDS = {
    "background": "dark_background",
    "surface": "dark_surface",
    "text": "dark_text",
    "accent": "dark_accent",
}


# Every theme field the checks read (the light palette's four, then the optional dark ones).
CHECKED_FIELDS = (*LIGHT_FIELDS.values(), *DARK_FIELDS.values())


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def mix(first: str, share: float, second: str) -> str:
    """``color-mix(in srgb, first share%, second)``: a straight mix of the sRGB channels."""
    weight = share / 100
    mixed = (round(a * weight + b * (1 - weight)) for a, b in zip(_channels(first), _channels(second), strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


Mode = Literal["light", "dark"]


@dataclass(frozen=True)
class Check:
    mode: Mode
    label: str
    foreground: str
    background: str
    ratio: float
    fields: tuple[str, ...]  # the theme fields the admin can change to fix it

    @property
    def verdict(self) -> str:
        if self.ratio < REFUSE_BELOW:
            return "refused"
        return "warning" if self.ratio < WARN_BELOW else "ok"

    def describe(self) -> str:
        return f"{self.label} ({self.foreground} on {self.background}) is {self.ratio:.1f}:1 in the {self.mode} palette"

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "label": self.label,
            "foreground": self.foreground,
            "background": self.background,
            "ratio": round(self.ratio, 2),
            "verdict": self.verdict,
        }


def palettes(values: dict[str, str]) -> dict[Mode, dict[str, str]]:
    """The colours the widget paints in each scheme it can be shown in.

    ``values`` holds the theme's fields (``background``, ``text``, …, ``dark_*`` possibly
    blank, ``scheme``). A theme whose own colours are dark (scheme "dark") is never
    re-coloured, so it has one palette; every other theme can be shown dark by a viewer.
    """
    light = {slot: values[field] for slot, field in LIGHT_FIELDS.items()}
    light["muted"] = mix(light["text"], MUTED_TEXT_SHARE, light["background"])
    shown: dict[Mode, dict[str, str]] = {"light": light}
    if values.get("scheme") == "dark":
        return {"dark": light}
    accent = values["accent"]
    dark = {
        "background": values.get("dark_background") or mix(accent, 10, DARK_BASE_BG),
        "surface": values.get("dark_surface") or mix(accent, 16, DARK_BASE_SURFACE),
        "text": values.get("dark_text") or DARK_TEXT,
        "accent": values.get("dark_accent") or mix(accent, 45, "#ffffff"),
    }
    dark["muted"] = mix(dark["text"], MUTED_TEXT_SHARE, dark["background"])
    shown["dark"] = dark
    return shown


def _fields(mode: Mode, slot: str, values: dict[str, str]) -> tuple[str, ...]:
    if slot == "muted":
        return _fields(mode, "text", values) + _fields(mode, "background", values)
    if mode == "dark" and values.get("scheme") != "dark":
        field = DARK_FIELDS[slot]
        # A derived dark colour is fixed through the brand colour it comes from.
        return (field,) if values.get(field) else (("accent",) if slot != "text" else (field,))
    return (LIGHT_FIELDS[slot],)


def checks(values: dict[str, str]) -> list[Check]:
    """Every text/background pair of every palette, with its contrast ratio."""
    found = []
    for mode, palette in palettes(values).items():
        for label, foreground, background in PAIRS:
            fields = tuple(dict.fromkeys(_fields(mode, foreground, values) + _fields(mode, background, values)))
            found.append(
                Check(
                    mode=mode,
                    label=label,
                    foreground=palette[foreground],
                    background=palette[background],
                    ratio=ratio(palette[foreground], palette[background]),
                    fields=fields,
                )
            )
    return found
