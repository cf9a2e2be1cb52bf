"""The widget's own words, translated with Django i18n (feed labels come from BETCORE)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_labels() -> dict:
    """Labels in the active language; rendered into the page for the browser code too."""
    return {
        "round": _("Round"),
        "bettingClosesIn": _("Betting closes in"),
        "bettingClosed": _("Betting closed"),
        "jackpot": _("Jackpot"),
        "jackpots": _("Jackpots"),
        "results": _("Results"),
        "lastResults": _("Last results"),
        "noResults": _("No results yet"),
        "moreResults": _("More results"),
        "fewerResults": _("Fewer results"),
        "more": _("More"),  # the toggle's short visible text; the long one is its accessible name
        "less": _("Less"),
        "noData": _("Waiting for the live feed…"),
        "pause": _("Pause updates"),
        "resume": _("Resume updates"),
        "newResult": _("New result"),
        "play": _("Play"),  # a game card's link to the partner's game page
        "opensInNewTab": _("opens in a new tab"),
        # Words inside drawn results (the sandbox's games; BETCORE's own may add more).
        "result": {
            "total": _("Total"),
            "red": _("Red"),
            "black": _("Black"),
            "green": _("Green"),
            "player": _("Player"),
            "banker": _("Banker"),
            "tie": _("Tie"),
            "hand": _("Hand"),
            "dice": _("Dice"),
            "numbers": _("Numbers drawn"),
            "combinations": {
                "Pair": _("Pair"),
                "Two Pairs": _("Two pairs"),
                "Straight": _("Straight"),
                "Flush": _("Flush"),
                "Full House": _("Full house"),
            },
        },
        "status": {
            "live": _("Live"),
            "reconnecting": _("Reconnecting…"),
            "paused": _("Feed paused"),
            "maintenance": _("Maintenance"),
            "offline": _("Offline"),
            "starting": _("Connecting…"),
            "updatesPaused": _("Updates paused"),
        },
        "banner": {
            "reconnecting": _("Connection lost. Reconnecting… The last data is shown."),
            "paused": _("The live feed has paused. The last data is shown."),
            "offline": _("This widget is offline."),
            "maintenance": _("The games are under maintenance."),
        },
        "states": {
            "awaiting": _("Next round soon"),
            "betting": _("Betting open"),
            "action": _("Game in progress"),
            "active": _("Game in progress"),
            "finished": _("Finished"),
            "review": _("Under review"),
            "cancelled": _("Cancelled"),
            "maintenance": _("Maintenance"),
        },
    }
