"""Every catalogue complete, natural and compiled: no English left inside a translated page.

The English source is the code itself: every string marked for translation in the
Python files and templates, found the way ``makemessages`` finds them, so a label added
without its translations fails here before a player sees it in English.
"""

from __future__ import annotations

import ast
import functools
import gettext
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from tests.languages import LEGITIMATELY_IDENTICAL

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# The msgids are the source language's words, so it has no catalogue of its own.
SOURCE_LANGUAGE = settings.LANGUAGE_CODE
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]

# gettext's plural rule per language: (nplurals, {n: the form gettext must pick for n}).
# The forms follow CLDR's categories for whole numbers.
ONE_OTHER = (2, {0: 1, 1: 0, 2: 1, 5: 1, 21: 1})  # plural=(n != 1)
ZERO_AND_ONE_OTHER = (2, {0: 0, 1: 0, 2: 1, 5: 1, 21: 1})  # plural=(n > 1): CLDR's "one" is 0 and 1
EAST_SLAVIC = (3, {1: 0, 21: 0, 101: 0, 2: 1, 4: 1, 22: 1, 0: 2, 5: 2, 11: 2, 12: 2, 14: 2, 111: 2})
ARABIC = (6, {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 103: 3, 11: 4, 99: 4, 111: 4, 100: 5, 101: 5, 102: 5})
PLURALS = {
    "ru": EAST_SLAVIC,
    "uk": EAST_SLAVIC,
    "es": ONE_OTHER,
    "pt": ZERO_AND_ONE_OTHER,  # Brazilian Portuguese (the catalogue's spelling: "rodada")
    "tr": ONE_OTHER,
    "kk": ONE_OTHER,
    "uz": ONE_OTHER,
    "az": ONE_OTHER,
    "ka": ONE_OTHER,
    "hy": ZERO_AND_ONE_OTHER,
    "ar": ARABIC,
    "fa": ZERO_AND_ONE_OTHER,
    "hi": ZERO_AND_ONE_OTHER,
}

# The script each catalogue is written in (uz and az in Latin). Latin letters are allowed
# everywhere for names such as BETCORE and literal syntax such as https://host[:port].
SCRIPTS = {
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "kk": "CYRILLIC",
    "es": "LATIN",
    "pt": "LATIN",
    "tr": "LATIN",
    "uz": "LATIN",
    "az": "LATIN",
    "ka": "GEORGIAN",
    "hy": "ARMENIAN",
    "ar": "ARABIC",
    "fa": "ARABIC",
    "hi": "DEVANAGARI",
}
# Persian writes yeh and kaf with its own letters; Arabic with the Arabic ones.
FOREIGN_LETTERS = {"fa": "\u064a\u0643", "ar": "\u06cc\u06a9"}

# Translations that may equal the English word, with the reason. Anything else equal to
# its msgid is English left in a translated page.
# Even legitimate loanwords stay a small share of a catalogue: one copied from English fails.
MAX_IDENTICAL_SHARE = 0.1

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
GETTEXT_FUNCTIONS = {
    # name: positions of (context, singular, plural) among the call's arguments
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
# Directories makemessages is told to skip (Makefile), plus generated output.
IGNORED_DIRECTORIES = {"node_modules", "staticfiles", "test-artifacts", "var", "locale", "__pycache__"}

Key = tuple[str | None, str, str | None]  # (context, msgid, msgid_plural)


@dataclass
class Entry:
    msgid: str
    msgstr: list[str] = field(default_factory=list)  # one per plural form; one for a singular entry
    msgid_plural: str | None = None
    msgctxt: str | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file, header first; obsolete (#~) entries are left out like msgfmt does."""
    entries: list[Entry] = []
    flags: set[str] = set()
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the field continuation lines extend
    pending_context: str | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        value = ast.literal_eval(rest) if rest else ""
        if keyword == "msgctxt":
            pending_context, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            current = Entry(msgid=value, msgctxt=pending_context, flags=flags)
            entries.append(current)
            flags, pending_context, target = set(), None, ("msgid", 0)
        elif keyword == "msgid_plural" and current is not None:
            current.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword.startswith("msgstr") and current is not None:
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr.extend([""] * (index + 1 - len(current.msgstr)))
            current.msgstr[index], target = value, ("msgstr", index)
        elif keyword == "" and target is not None:
            name, index = target
            if name == "msgctxt":
                pending_context = (pending_context or "") + value
            elif current is not None and name == "msgstr":
                current.msgstr[index] += value
            elif current is not None:
                setattr(current, name, (getattr(current, name) or "") + value)
    return entries


def catalogue(language: str) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the messages of ``language``'s .po file."""
    entries = parse_po((LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    header = next((entry for entry in entries if entry.msgid == "" and entry.msgctxt is None), None)
    fields = {}
    for line in (header.msgstr[0] if header else "").splitlines():
        name, _colon, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields, [entry for entry in entries if entry is not header]


def nplurals(header: dict[str, str]) -> int | None:
    match = re.search(r"nplurals\s*=\s*(\d+)", header.get("Plural-Forms", ""))
    return int(match.group(1)) if match else None


def _message(function: str, arguments: list[object]) -> Key | None:
    context_at, singular_at, plural_at = GETTEXT_FUNCTIONS[function]
    positions = [at for at in (context_at, singular_at, plural_at) if at is not None]
    if len(arguments) <= max(positions) or not all(isinstance(arguments[at], str) for at in positions):
        return None  # not a literal: xgettext skips it too

    def text(at: int | None) -> str | None:
        return None if at is None else str(arguments[at])

    return (text(context_at), str(arguments[singular_at]), text(plural_at))


def _python_messages(source: str) -> set[Key]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in GETTEXT_FUNCTIONS:
            arguments = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
            message = _message(name, arguments)
            if message:
                found.add(message)
    return found


# templatize turns a template into Python-like text holding the marked strings as calls.
TEMPLATE_CALL = re.compile(
    r"(?<![\w.])(npgettext|pgettext|ngettext|gettext|_)\("
    r"((?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+)(?:\s*\w+\s*)?\)"
)


def _template_messages(source: str, path: Path) -> set[Key]:
    found = set()
    for call in TEMPLATE_CALL.finditer(templatize(source, origin=str(path))):
        arguments = list(ast.literal_eval("(" + call.group(2).strip().rstrip(",") + ",)"))
        message = _message(call.group(1), arguments)
        if message:
            found.add(message)
    return found


@functools.cache
def source_messages() -> set[Key]:
    """Every string the code marks for translation (the English source of the catalogues)."""
    found: set[Key] = set()
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".") and d not in IGNORED_DIRECTORIES]
        for name in files:
            path = Path(directory) / name
            if name.endswith(".py"):
                found |= _python_messages(path.read_text(encoding="utf-8"))
            elif name.endswith((".html", ".txt")):
                found |= _template_messages(path.read_text(encoding="utf-8"), path)
    return found


def letters_outside(script: str, text: str) -> set[str]:
    """Letters of ``text`` that are neither in ``script`` nor Latin (names, URLs)."""
    return {
        char
        for char in text
        if char.isalpha()
        and unicodedata.category(char) != "Lm"  # modifier letters: the Uzbek o-with-turned-comma and apostrophe
        and not unicodedata.name(char, "").startswith((script, "LATIN"))
    }


def translation_problems(language: str, entries: list[Entry]) -> list[str]:
    """What keeps ``entries`` from being a full, natural translation into ``language``."""
    forms = PLURALS[language][0]
    problems = []
    identical = 0
    for entry in entries:
        label = repr(entry.msgid)
        if "fuzzy" in entry.flags:
            problems.append(f"{label} is fuzzy")
        expected = forms if entry.msgid_plural is not None else 1
        if len(entry.msgstr) != expected or not all(text.strip() for text in entry.msgstr):
            problems.append(f"{label} needs {expected} non-empty form(s), has {entry.msgstr!r}")
            continue
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr:
            if sorted(PLACEHOLDER.findall(text)) != wanted and not (
                entry.msgid_plural and sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid))
            ):
                problems.append(f"{label}: placeholders {PLACEHOLDER.findall(text)} in {text!r}, expected {wanted}")
            if text in sources:
                identical += 1
                if (language, entry.msgid) not in LEGITIMATELY_IDENTICAL:
                    problems.append(f"{label} is left in English")
    if entries and identical / len(entries) > MAX_IDENTICAL_SHARE:
        problems.append(f"{identical} of {len(entries)} messages are the English text")
    return problems


def test_every_offered_language_has_a_catalogue_and_every_catalogue_is_offered():
    assert settings.LANGUAGES[0][0] == SOURCE_LANGUAGE == "en"
    assert len(settings.LANGUAGES) >= 14
    for language in TRANSLATED:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file(), language
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").is_file(), language
    assert {path.name for path in LOCALE.iterdir() if path.is_dir()} == set(TRANSLATED)
    assert set(TRANSLATED) <= PLURALS.keys() & SCRIPTS.keys(), "say how the new language counts and writes"


def test_the_english_source_is_found_in_the_code():
    messages = source_messages()
    assert (None, "Betting closes in", None) in messages  # widget/labels.py
    assert (None, "Live games", None) in messages  # widget/views.py
    assert (None, "Dark", None) in messages  # widget/models.py (the admin)


def test_the_source_scan_reads_python_and_templates_like_makemessages():
    python = '_("A" "b")\nngettext("%(n)s day", "%(n)s days", n)\npgettext("c", "D")\n_(x)'
    assert _python_messages(python) == {(None, "Ab", None), (None, "%(n)s day", "%(n)s days"), ("c", "D", None)}
    template = (
        '{% load i18n %}{% translate "Hello" %}{% translate "Menu" context "nav" %}'
        "{% blocktranslate count counter=n %}One {{ a }}{% plural %}Many {{ a }}{% endblocktranslate %}"
    )
    assert _template_messages(template, Path("t.html")) == {
        (None, "Hello", None),
        ("nav", "Menu", None),
        (None, "One %(a)s", "Many %(a)s"),
    }


def test_make_messages_extracts_every_language():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")  # continuation lines joined
    line = next(line for line in makefile.splitlines() if "makemessages" in line)
    assert re.findall(r"-l (\S+)", line) == TRANSLATED


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogue_holds_exactly_the_messages_in_the_code(language):
    _header, entries = catalogue(language)
    held = {entry.key for entry in entries}
    source = source_messages()
    assert sorted(source - held, key=str) == [], "run `make messages` and translate the new labels"
    assert sorted(held - source, key=str) == [], "labels no longer in the code: run `make messages`"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(language):
    _header, entries = catalogue(language)
    assert translation_problems(language, entries) == []


def test_a_catalogue_copied_from_english_fails():
    _header, entries = catalogue("ru")
    copied = [Entry(entry.msgid, [entry.msgid]) for entry in entries]
    problems = translation_problems("ru", copied)
    assert len(problems) == len(entries) + 1 and problems[-1].endswith("are the English text")
    assert translation_problems("ru", [Entry("Live", [""]), Entry("Round", ["Раунд"], flags={"fuzzy"})]) == [
        "'Live' needs 1 non-empty form(s), has ['']",
        "'Round' is fuzzy",
    ]
    plural = Entry("%(n)s result", ["%(n)s результат", "{n} результата"], msgid_plural="%(n)s results")
    assert [problem.split(":")[0] for problem in translation_problems("ru", [plural])] == [
        "'%(n)s result' needs 3 non-empty form(s), has ['%(n)s результат', '{n} результата']"
    ]
    plural.msgstr.append("%(n)s результатов")
    assert len(translation_problems("ru", [plural])) == 1  # {n} is not %(n)s


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_plural_forms_are_the_language_s_own(language):
    header, _entries = catalogue(language)
    assert header.get("Language") == language
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"
    forms, expected = PLURALS[language]
    assert nplurals(header) == forms, header.get("Plural-Forms")
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        plural = gettext.GNUTranslations(compiled).plural  # the rule Django applies at run time
    assert {n: plural(n) for n in expected} == expected


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language):
    path = LOCALE / language / "LC_MESSAGES"
    with (path / "django.mo").open("rb") as compiled:
        held = dict(gettext.GNUTranslations(compiled)._catalog)
    entries = parse_po((path / "django.po").read_text(encoding="utf-8"))
    expected: dict[object, str] = {}
    for entry in entries:
        if "fuzzy" in entry.flags and entry.msgid:
            continue  # msgfmt leaves fuzzy entries out
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected |= {(msgid, index): text for index, text in enumerate(entry.msgstr)}
    assert held == expected, "run `make messages` (or manage.py compilemessages) and commit the .mo"


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_is_written_in_its_own_script(language):
    _header, entries = catalogue(language)
    script = SCRIPTS[language]
    for entry in entries:
        for text in entry.msgstr:
            assert not letters_outside(script, text), (entry.msgid, text)
            assert not set(text) & set(FOREIGN_LETTERS.get(language, "")), (entry.msgid, text)
            if script != "LATIN" and (language, entry.msgid) not in LEGITIMATELY_IDENTICAL:
                assert any(unicodedata.name(char, "").startswith(script) for char in text), (entry.msgid, text)
