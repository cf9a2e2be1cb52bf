"""Facts about the widget's languages that more than one test checks against."""

# Catalogue entries that may read exactly as the English text, and why.
LEGITIMATELY_IDENTICAL = {
    ("pt", "Jackpot"): "the word Brazilian Portuguese uses",
    ("pt", "Jackpots"): "the word Brazilian Portuguese uses",
}
