"""Make a published asv dashboard work offline: serve its CDN scripts and styles locally.

``asv publish`` writes an ``index.html`` that loads jQuery, flot, bootstrap, ... from three CDNs;
with no internet the page shows only asv's "external dependencies failed to load" error.  This
copies ``benchmarks/vendor/`` (the same files, from ``npm pack``; see its SOURCES.md) to
``<html>/vendor/`` and rewrites every CDN ``<script src>`` / ``<link href>`` to its local copy,
dropping ``integrity``/``crossorigin``/``referrerpolicy``.  Run it after *every* publish (publish
rewrites index.html).  Exits 1 if a page still loads anything from outside, e.g. after an asv
upgrade changed a URL: add the file to the vendor folder and the map below.

Usage: ``python tools/asv_vendor.py [HTML_DIR]`` (default ``.asv/html``).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "benchmarks" / "vendor"

#: CDN URL -> file under benchmarks/vendor/.  flot's npm package ships only the unminified
#: sources, the same code as cdnjs's .min files.  stupidtable 1.0.1 is not on npm; 1.1.3 has
#: the same jQuery API.
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
_JSDELIVR = "https://cdn.jsdelivr.net/npm/"
LOCAL = {
    "https://code.jquery.com/jquery-3.3.1.min.js": "jquery-3.3.1/jquery.min.js",
    _CDNJS + "flot/0.8.3/jquery.flot.min.js": "flot-0.8.3/jquery.flot.js",
    _CDNJS + "flot/0.8.3/jquery.flot.time.min.js": "flot-0.8.3/jquery.flot.time.js",
    _CDNJS + "flot/0.8.3/jquery.flot.selection.min.js": "flot-0.8.3/jquery.flot.selection.js",
    _CDNJS + "flot/0.8.3/jquery.flot.categories.min.js": "flot-0.8.3/jquery.flot.categories.js",
    _JSDELIVR + "flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": "flot-orderbars-1.0.0/jquery.flot.orderBars.js",
    _CDNJS + "stupidtable/1.0.1/stupidtable.min.js": "stupid-table-plugin-1.1.3/stupidtable.min.js",
    _CDNJS + "blueimp-md5/2.19.0/js/md5.min.js": "blueimp-md5-2.19.0/md5.min.js",
    _JSDELIVR + "bootstrap@3.1.1/dist/js/bootstrap.min.js": "bootstrap-3.1.1/js/bootstrap.min.js",
    _JSDELIVR + "bootstrap@3.1.1/dist/css/bootstrap.min.css": "bootstrap-3.1.1/css/bootstrap.min.css",
}

# A tag that makes the browser fetch something: <script src=...> or <link href=...>.
_LOADING_TAG = re.compile(r"<(script|link)\b[^>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE)
_SRI_ATTRS = re.compile(r"""\s+(integrity|crossorigin|referrerpolicy)(\s*=\s*(["']).*?\3)?""", re.IGNORECASE)


def _rewrite_tag(match: re.Match, unmapped: list[str]) -> str:
    tag = match.group(0)
    attr = _URL_ATTR.search(tag)
    if attr is None or not re.match(r"(https?:)?//", attr.group(3)):
        return tag  # inline script or a local file
    url = attr.group(3)
    local = LOCAL.get(url if url.startswith("http") else "https:" + url)
    if local is None:
        unmapped.append(url)
        return tag
    tag = tag.replace(attr.group(0), f"{attr.group(1)}={attr.group(2)}vendor/{local}{attr.group(2)}")
    return _SRI_ATTRS.sub("", tag)


def vendor(html_dir: Path) -> list[str]:
    """Copy the vendor files into ``html_dir`` and rewrite its pages; return unmapped URLs."""
    missing = [name for name in LOCAL.values() if not (VENDOR / name).is_file()]
    if missing:
        raise SystemExit(f"asv_vendor: missing vendored files {missing} under {VENDOR}")
    shutil.copytree(VENDOR, html_dir / "vendor", dirs_exist_ok=True)
    unmapped: list[str] = []
    for page in sorted(html_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = _LOADING_TAG.sub(lambda m: _rewrite_tag(m, unmapped), text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return unmapped


def main(argv: list[str]) -> int:
    html_dir = Path(argv[1]) if len(argv) > 1 else ROOT / ".asv" / "html"
    if not (html_dir / "index.html").is_file():
        print(f"asv_vendor: no index.html in {html_dir}; run `asv publish` first", file=sys.stderr)
        return 1
    unmapped = vendor(html_dir)
    if unmapped:
        print("asv_vendor: still loaded from outside: " + ", ".join(unmapped), file=sys.stderr)
        return 1
    print(f"asv_vendor: {html_dir / 'index.html'} now loads its scripts and styles from vendor/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
