"""The debug error page, without secrets.

Django's own filter hides settings named like secrets, and only when DEBUG is off. The
debug page is exactly where a deployment's passwords surface: a database or Redis that
cannot be reached leaves the client's keyword arguments, libpq connection strings and
Redis ``auth_args`` in the frames' local variables. This filter masks, with DEBUG on too:

- any variable, dictionary key or setting whose name suggests a secret (password, token,
  ``auth_args``, ``secret``…), at any depth;
- passwords inside text: ``scheme://user:password@host`` URLs, libpq ``password=…``
  key/value strings and query parameters, ``'password': '…'`` inside a repr;
- every literal occurrence of a secret this process is configured with (settings and
  environment variables named like secrets, passwords inside configured URLs), wherever it
  appears: in a string, in bytes, in the repr of an object of any type.
"""

from __future__ import annotations

import os
import pprint
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models.query import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.debug import CallableSettingWrapper, ExceptionReporter, SafeExceptionReporterFilter

SUBSTITUTE = "********************"

# Names of variables, dictionary keys, parameters and settings that hold a secret.
SECRET_NAME = re.compile(
    r"pass(?:word|wd|phrase)|pwd|(?:^|_)pass(?:_|$)|secret|token|auth|credential|signature|cookie|"
    r"session_?key|sessionid|api_?key|private_?key|access_?key|signing_?key|salt",
    re.IGNORECASE,
)
SETTING_EXTRA = re.compile(r"pwd|passwd|credential", re.IGNORECASE)
# Settings and environment variables whose value is itself a secret, masked wherever it turns
# up (PWD, the working directory, is not one; CSRF_COOKIE_NAME is a name, not a secret).
SECRET_VALUE_NAME = re.compile(r"password|passwd|passphrase|secret|token$|(?:^|_)pass$", re.IGNORECASE)

# scheme://user:password@host -> scheme://user:****@host (redis://, postgres://, amqp://, …). The
# password runs to the last "@" before the host: an unencoded "@" in it is still covered.
URL_PASSWORD = re.compile(r"(?P<start>[a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)(?P<secret>[^\s/'\"]*)@", re.IGNORECASE)
# password=… in a libpq connection string (quoted or not) or a query string; token=…, secret=…
KEY_VALUE_SECRET = re.compile(
    r"(?P<start>\b[\w.-]*(?:pass|pwd|secret|token|auth)[\w.-]*\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;,)'\"]+)",
    re.IGNORECASE,
)
# 'password': '…' inside the repr of a dict nested in some other object.
QUOTED_KEY_SECRET = re.compile(
    r"(?P<start>(?P<q>['\"])[\w.-]*(?:pass|pwd|secret|token|auth)[\w.-]*(?P=q)\s*:\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|b'(?:[^'\\]|\\.)*'|[^\s,}]+)",
    re.IGNORECASE,
)
# A Redis AUTH (or HELLO … AUTH) command as sent on the wire: AUTH, then user and password.
RESP_AUTH = re.compile(r"(?P<start>\bAUTH\r\n)(?:\$\d+\r\n[^\r\n]*\r\n){1,2}", re.IGNORECASE)
MIN_SECRET_LENGTH = 4  # shorter configured "secrets" ("1", "on") would mask half the page
MAX_DEPTH = 8  # containers nested deeper or longer are shown as their (masked) repr
MAX_ITEMS = 500


class Shown:
    """A value already turned into masked text: the debug page prints it as it is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Masks secrets in frame variables, settings and request data, with DEBUG on as well."""

    cleansed_substitute = SUBSTITUTE

    def is_active(self, request: HttpRequest | None) -> bool:
        # Django switches its filter off under DEBUG; the debug page is where secrets leak.
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        if key == settings.SESSION_COOKIE_NAME or is_secret_name(key, setting=True):
            return SUBSTITUTE
        cleansed = Masker(configured_secrets(), setting=True).clean(value)
        return CallableSettingWrapper(cleansed) if callable(cleansed) else cleansed

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        marked = getattr(request, "sensitive_post_parameters", [])
        cleansed = request.POST.copy()
        masker = Masker(configured_secrets())
        for name in cleansed:
            if marked == "__ALL__" or name in marked or is_secret_name(name):
                cleansed.setlist(name, [SUBSTITUTE])
            else:
                cleansed.setlist(name, [masker.clean(value) for value in cleansed.getlist(name)])
        return cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        masker = Masker(configured_secrets())
        return [
            (name, SUBSTITUTE if is_secret_name(name) else masker.clean(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class MaskingExceptionReporter(ExceptionReporter):
    """The debug page's other sources, which no filter sees: the URL, GET, the exception's text.

    Used with ``DEFAULT_EXCEPTION_REPORTER``; the filter above covers frames, settings,
    META, cookies and POST.
    """

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        masker = Masker(configured_secrets())
        if self.request is not None:
            data["request_GET_items"] = [
                (name, SUBSTITUTE if is_secret_name(name) else masker.clean(value))
                for name, value in self.request.GET.items()
            ]
            data["request_insecure_uri"] = masker.text(str(data.get("request_insecure_uri", "")))
        if "exception_value" in data:
            data["exception_value"] = masker.text(str(data["exception_value"]))
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = masker.text(str(frame["exc_cause"]))
        return data


def is_secret_name(name: Any, setting: bool = False) -> bool:
    """``name`` (a variable, a key, a parameter) says it holds a secret.

    Settings (and keys inside them, META, cookies) follow Django's rule plus password
    spellings it misses: CSRF_COOKIE_AGE is a setting, not a cookie.
    """
    if not isinstance(name, (str, bytes)):
        return False
    text = name.decode("latin-1") if isinstance(name, bytes) else name
    if setting:
        return bool(SafeExceptionReporterFilter.hidden_settings.search(text) or SETTING_EXTRA.search(text))
    return bool(SECRET_NAME.search(text))


class Masker:
    """Cleans one value for display: secrets by name, by pattern and by literal value."""

    def __init__(self, secrets: Iterable[str], setting: bool = False) -> None:
        self.secrets = sorted(set(secrets), key=len, reverse=True)  # longest first: no partial leftovers
        self.setting = setting

    def clean(self, value: Any, depth: int = 0) -> Any:
        try:
            return self._clean(value, depth)
        except Exception as error:  # a lazy object that fails to evaluate (the database is down…)
            return Shown(self.text(f"<{type(value).__name__}: {error!r} while evaluating it>"))

    def _clean(self, value: Any, depth: int) -> Any:
        if value is None or isinstance(value, (bool, int, float, complex)):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray)):
            return type(value)(self.bytes(bytes(value)))
        # Only plain containers are walked (len() of a QuerySet would run it); huge ones as text.
        plain = type(value).__repr__ in _PLAIN_REPRS
        if plain and depth < MAX_DEPTH and len(value) <= MAX_ITEMS:
            if isinstance(value, MultiValueDict):  # request.GET, request.POST: by parameter name
                lists = {key: self._item(key, value.getlist(key), depth) for key in value}
                return Shown(f"<{type(value).__name__}: {_safe_repr(lists)}>")
            if isinstance(value, dict):
                return {self.clean(key, depth + 1): self._item(key, item, depth) for key, item in value.items()}
            if _is_auth_command(value):
                return SUBSTITUTE
            items = [self.clean(item, depth + 1) for item in value]
            kind = type(value) if type(value) in (tuple, set, frozenset) else list  # subclasses: shown as lists
            return kind(items)
        if isinstance(value, QuerySet) and value._result_cache is None:
            # Its repr would run the query: with the database down, each one waits out the
            # connection timeout while the error page renders.
            return Shown(f"<{type(value).__name__} of {value.model.__name__}, not evaluated>")
        # Anything else is shown by its repr: masked as text, so a secret inside an object's
        # repr (a client, a connection, a dict subclass, a namedtuple) is caught as well.
        return Shown(self.text(_safe_repr(value)))

    def _item(self, key: Any, item: Any, depth: int) -> Any:
        return SUBSTITUTE if is_secret_name(key, self.setting) else self.clean(item, depth + 1)

    def text(self, text: str) -> str:
        text = URL_PASSWORD.sub(lambda m: m.group("start") + SUBSTITUTE + "@", text)
        text = KEY_VALUE_SECRET.sub(lambda m: m.group("start") + SUBSTITUTE, text)
        text = QUOTED_KEY_SECRET.sub(lambda m: m.group("start") + repr(SUBSTITUTE), text)
        text = RESP_AUTH.sub(lambda m: m.group("start") + SUBSTITUTE + "\r\n", text)
        for secret in self.secrets:
            text = text.replace(secret, SUBSTITUTE)
        return text

    def bytes(self, data: bytes) -> bytes:
        # latin-1 maps every byte to one character and back: the masked text re-encodes losslessly.
        text = self.text(data.decode("latin-1"))
        for secret in self.secrets:
            text = text.replace(secret.encode("utf-8").decode("latin-1"), SUBSTITUTE)
        return text.encode("latin-1")


# Containers shown as Python shows them (subclasses with a repr of their own are shown as text).
_PLAIN_REPRS = (
    list.__repr__,
    tuple.__repr__,
    set.__repr__,
    frozenset.__repr__,
    dict.__repr__,
    MultiValueDict.__repr__,
    QueryDict.__repr__,
)


def _is_auth_command(value: Iterable[Any]) -> bool:
    """A Redis command such as ('AUTH', user, password) or ('HELLO', 3, 'AUTH', user, password)."""
    first = next(iter(value), None)
    word = first.decode("latin-1") if isinstance(first, bytes) else first
    # Only as the command itself: ["admin", "auth", …] is a list of app labels.
    return isinstance(word, str) and word.upper() in ("AUTH", "HELLO")


def _safe_repr(value: Any) -> str:
    try:
        return pprint.pformat(value)
    except Exception as error:  # a broken __repr__ must not break the error page
        return f"<unprintable {type(value).__name__}: {type(error).__name__}>"


_cached: tuple[object, dict[str, str], frozenset[str]] | None = None


def configured_secrets() -> frozenset[str]:
    """Secret values this process is configured with, to be masked wherever they turn up."""
    global _cached
    # One error page cleans hundreds of settings and variables: gather once per configuration
    # (override_settings swaps the wrapped settings object; tests change the environment).
    wrapped, environment = getattr(settings, "_wrapped", None), dict(os.environ)
    if _cached is None or _cached[0] is not wrapped or _cached[1] != environment:
        _cached = (wrapped, environment, _gather_secrets())
    return _cached[2]


def _gather_secrets() -> frozenset[str]:
    found: set[str] = set()
    for name in dir(settings):
        if name.isupper():
            _collect(name, getattr(settings, name, None), found, 0)
    for name, value in os.environ.items():
        _collect(name, value, found, MAX_DEPTH)
    return frozenset(secret for secret in found if len(secret) >= MIN_SECRET_LENGTH and not _is_name(secret))


def _collect(name: Any, value: Any, found: set[str], depth: int) -> None:
    if isinstance(value, str):
        if isinstance(name, str) and SECRET_VALUE_NAME.search(name):
            found.add(value)
        found.update(_passwords_in(value))
    elif depth < MAX_DEPTH and isinstance(value, Mapping):
        for key, item in value.items():
            _collect(key, item, found, depth + 1)
    elif depth < MAX_DEPTH and isinstance(value, (list, tuple)):
        for item in value:
            _collect(name, item, found, depth + 1)


def _is_name(value: str) -> bool:
    # PASSWORD_HASHERS = ["django.contrib.auth.hashers…"], a flag left in an env var: not secrets.
    return value.lower() in ("true", "false", "none", "null") or value.startswith("django.")


def _passwords_in(text: str) -> set[str]:
    """Passwords inside URLs and libpq strings in ``text``, as written and percent-decoded."""
    found: set[str] = set()
    for match in URL_PASSWORD.finditer(text):
        found.add(match.group("secret"))
    for word in text.split():
        if "://" in word:
            try:
                password = urlsplit(word).password
            except ValueError:
                continue
            if password:
                found.add(password)
    for match in KEY_VALUE_SECRET.finditer(text):
        found.add(match.group("secret").strip("'\""))
    return found | {unquote(secret) for secret in found}
