"""HTML to A4 PDF through headless Chromium (Debian's ``chromium``, driven by Playwright).

The report and the minutes are print-ready HTML pages (their own ``@page`` rules: A4, margins,
the running header and "page N of M" in the page-margin boxes, which Chromium prints since
version 131). This module only hands such a page to the browser's own print engine, so the
PDF is what the browser's "Print to PDF" gives; nothing is laid out twice. Chromium is found as
the browser tests find it: ``$PARAREOP_CHROMIUM`` or ``/usr/bin/chromium`` (``make setup``
installs it). Playwright is a development dependency: without it, or without Chromium, the
export stops with a message that says what to install, never a traceback.

:func:`page_count` reads the number of pages back from the PDF bytes, so that the tests (and a
caller) can check a report is one or two pages without a PDF library.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ontology.errors import ParaReopError

#: Chromium's flags for a headless print with nothing leaving the machine.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class PdfError(ParaReopError):
    """The PDF cannot be made here (no Playwright, no Chromium); the message says what to install."""


def chromium_path() -> Path:
    """The Chromium binary: ``$PARAREOP_CHROMIUM`` or Debian's ``/usr/bin/chromium``.

    >>> chromium_path().name in ("chromium", os.path.basename(os.environ.get("PARAREOP_CHROMIUM", "")))
    True
    """
    return Path(os.environ.get("PARAREOP_CHROMIUM", "/usr/bin/chromium"))


def available() -> bool:
    """Whether this machine can print PDF here (Playwright importable, Chromium present): the app
    offers its PDF download only then, since a deferred download cannot show an error.

    >>> isinstance(available(), bool)
    True
    """
    import importlib.util

    return importlib.util.find_spec("playwright") is not None and chromium_path().exists()


def html_to_pdf(html: str) -> bytes:
    """Print one self-contained HTML page to A4 PDF bytes with the page's own ``@page`` rules."""
    return html_to_pdfs([html])[0]


def html_to_pdfs(pages: Sequence[str]) -> list[bytes]:
    """Print each self-contained HTML page to A4 PDF bytes, in one browser started once.

    Every request a page would make outside ``data:`` URLs is refused (the report and the
    minutes load nothing; a page that tried would print without it rather than reach the network).
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError(
            "PDF export needs Playwright (pip install playwright==1.65.2, in the dev extras) and "
            "Debian's chromium (make setup); the HTML format prints from any browser"
        ) from None
    exe = chromium_path()
    if not exe.exists():
        raise PdfError(f"PDF export needs Chromium at {exe} (make setup installs Debian's chromium, "
                       "or set PARAREOP_CHROMIUM)")  # fmt: skip
    out: list[bytes] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(exe), args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page()
                page.route(
                    "**/*",
                    lambda r: r.continue_() if r.request.url.startswith("data:") else r.abort(),
                )
                page.emulate_media(media="print")
                for html in pages:
                    page.set_content(html, wait_until="load")
                    out.append(page.pdf(prefer_css_page_size=True, print_background=True))
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PdfError(f"Chromium could not print the page: {first}") from None
    return out


def write_pdf(html: str, path: Path) -> int:
    """Print ``html`` to the PDF file ``path``; returns its number of pages."""
    data = html_to_pdf(html)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise PdfError(f"cannot write {path}: {exc.strerror or exc}") from None
    return page_count(data)


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
#: A page-tree node's count, within its own dictionary (``/Count`` before or after ``/Type``).
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")


def page_count(pdf: bytes) -> int:
    """The number of pages of a PDF: its ``/Type /Page`` objects, checked against the page tree.

    Chromium writes every page object uncompressed; the root ``/Pages`` node's ``/Count`` must
    agree, or the file is not one this reader can vouch for.

    >>> page_count(b"%PDF-1.4 1 0 obj <</Type /Pages /Count 2 /Kids [2 0 R 3 0 R]>> endobj "
    ...            b"2 0 obj <</Type /Page /Parent 1 0 R>> endobj 3 0 obj <</Type/Page>> endobj")
    2
    """
    if not pdf.startswith(b"%PDF"):
        raise PdfError("not a PDF file")
    pages = len(_PAGE.findall(pdf))
    counts = {int(a or b) for a, b in _COUNT.findall(pdf)}
    if counts and max(counts) != pages:
        raise PdfError(f"the PDF's page tree counts {max(counts)} pages but {pages} page objects were found")
    return pages
