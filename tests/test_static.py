"""Production static files: hashed names (cache-busting), pre-compressed, and a small first load."""

import gzip
import re

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

# The first load: widget.css, and widget.js with the modules it imports (preloaded by the page).
FIRST_LOAD = ("widget.css", "widget.js", "page.js", "results.js", "render.js", "host.js")
MODULES = FIRST_LOAD[2:]

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "feedsite.static_storage.HashedModulesStorage"},
}


@pytest.fixture
def collected(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def hashed_file(collected, name):
    stem, suffix = name.split(".")
    return next(p for p in (collected / "widget").glob(f"{stem}.*.{suffix}") if p.name.count(".") == 2)


def test_widget_assets_are_hashed_and_precompressed(collected):
    hashed = [p.name for p in (collected / "widget").iterdir() if p.name.startswith("widget.") and p.suffix == ".js"]
    assert any(len(name.split(".")) == 3 for name in hashed), hashed  # widget.<hash>.js
    assert list((collected / "widget").glob("widget.*.js.gz"))


def test_the_widget_page_links_hashed_files_and_its_first_load_is_under_30_kb_gzipped(collected, client, widget):
    page = client.get(f"/w/{widget.public_id}/")
    html = page.content
    assert b"/static/widget/widget.js" not in html  # the hashed name is used instead
    total = len(gzip.compress(html, 9))
    for name in FIRST_LOAD:
        hashed = hashed_file(collected, name)
        assert f"/static/widget/{hashed.name}".encode() in html
        total += len(gzip.compress(hashed.read_bytes(), 9))
    total += len(gzip.compress(client.get(f"/w/{widget.public_id}/theme.css").content, 9))
    assert total < 30 * 1024


def test_the_widget_modules_import_each_other_by_hashed_name_and_the_page_preloads_them(collected, client, widget):
    html = client.get(f"/w/{widget.public_id}/").content.decode()
    for name in MODULES:
        hashed = hashed_file(collected, name).name
        assert f'<link rel="modulepreload" href="/static/widget/{hashed}">' in html
        assert list((collected / "widget").glob(f"{hashed}.gz"))
    entry = hashed_file(collected, "widget.js").read_text(encoding="utf-8")
    imported = set(re.findall(r'^import \{[^}]*\} from "\./([^"]+)";$', entry, re.MULTILINE))
    assert imported == {hashed_file(collected, name).name for name in MODULES}, imported
    for name in MODULES:  # the modules' own imports: hashed too, never the plain name
        source = hashed_file(collected, name).read_text(encoding="utf-8")
        assert not re.search(r'from "\./\w+\.js"', source), name


def test_embed_js_is_cached_minutes_not_a_year_and_revalidates_with_its_etag(collected):
    from django.test import Client

    with override_settings(WHITENOISE_MAX_AGE=365 * 24 * 3600, DEBUG=False):
        client = Client()
        embed = client.get("/static/widget/embed.js")
        assert embed.status_code == 200
        assert embed["Cache-Control"] == "public, max-age=300"
        again = client.get("/static/widget/embed.js", HTTP_IF_NONE_MATCH=embed["ETag"])
        assert again.status_code == 304
        hashed = next(p.name for p in (collected / "widget").glob("widget.*.js") if len(p.name.split(".")) == 3)
        assert "max-age=31536000" in client.get(f"/static/widget/{hashed}")["Cache-Control"]
