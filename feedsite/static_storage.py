"""Production static storage: hashed names, pre-compressed, and ES module imports that follow."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedModulesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, with relative ``import … from "./x.js"`` rewritten to the hashed name.

    widget.js imports its modules (page.js, render.js, …): the hashed widget.js must import
    the hashed files, which are cached for a year, change name with their content, and are
    what the page's ``<link rel="modulepreload">`` tags name (one fetch each, not two).
    """

    support_js_module_import_aggregation = True
