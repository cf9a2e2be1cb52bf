"""Production static files: hashed names (cache-busting), pre-compressed, and a small first load."""

import gzip

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def collected(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_widget_assets_are_hashed_and_precompressed(collected):
    hashed = [p.name for p in (collected / "widget").iterdir() if p.name.startswith("widget.") and p.suffix == ".js"]
    assert any(len(name.split(".")) == 3 for name in hashed), hashed  # widget.<hash>.js
    assert list((collected / "widget").glob("widget.*.js.gz"))


def test_the_widget_page_links_hashed_files_and_its_first_load_is_under_30_kb_gzipped(collected, client, widget):
    page = client.get(f"/w/{widget.public_id}/")
    html = page.content
    assert b"/static/widget/widget.js" not in html  # the hashed name is used instead
    total = len(gzip.compress(html, 9))
    for name in ("widget.css", "widget.js"):
        hashed = next(p for p in (collected / "widget").glob(name.replace(".", ".*.")) if p.suffix in (".js", ".css"))
        assert f"/static/widget/{hashed.name}".encode() in html
        total += len(gzip.compress(hashed.read_bytes(), 9))
    total += len(gzip.compress(client.get(f"/w/{widget.public_id}/theme.css").content, 9))
    assert total < 30 * 1024


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
