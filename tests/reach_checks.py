"""Checks that the phone, accessibility and print tests run inside a page.

``overflow(page)`` lists what sticks out of the viewport and every label whose
text is cut (``scrollWidth > clientWidth`` on an element that shows text and
hides what overflows). ``axe(page)`` runs the vendored axe-core on the page and
returns its violations.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "axe-core" / "axe.min.js"

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"360": PHONE, "1280": DESKTOP}

DASHBOARDS = ("three-dimensions", "case-assessment", "caseload-overview", "referral-mapping", "referral-gaps")

# What is cut or sticks out. Scrollable boxes (overflow auto/scroll: code, wide
# tables in their scroller) are not faults; the page itself scrolling sideways is.
OVERFLOW_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > vw + 1) problems.push(`page is ${root.scrollWidth}px wide in a ${vw}px viewport`);
  const visible = el => el.checkVisibility ? el.checkVisibility({visibilityProperty: true, opacityProperty: true})
                                           : el.offsetParent !== null;
  // A box of its own that scrolls sideways (a chart, code, a wide table), narrower than the
  // screen, is fine; a scroller as wide as the screen (Voila's page) scrolling sideways is not.
  const scrolls = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if ((s === 'auto' || s === 'scroll') && p.scrollWidth > p.clientWidth + 1 && p.clientWidth < vw - 8) return true;
    }
    return false;
  };
  for (const box of document.querySelectorAll('body, body *')) {
    const s = getComputedStyle(box).overflowX;
    if ((s === 'auto' || s === 'scroll') && box.clientWidth >= vw - 8 && box.scrollWidth > box.clientWidth + 1)
      problems.push(`page scrolls sideways in ${box.tagName.toLowerCase()}#${box.id}: ${box.scrollWidth}px for ${box.clientWidth}px`);
  }
  const hidden = v => v === 'hidden' || v === 'clip';
  const name = el => (el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                      ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : ''));
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'svg', 'path', 'NOSCRIPT', 'TEMPLATE', 'OPTION'].includes(el.tagName)) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    const control = ['BUTTON', 'SELECT', 'INPUT', 'TEXTAREA', 'LABEL'].includes(el.tagName);
    if (!own && !control) continue;
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    if (style.position === 'fixed' && style.display === 'none') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) continue;  // empty, or visually hidden for screen readers
    const text = (own || el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60);
    if (style.display !== 'inline' && hidden(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`clipped ${name(el)}: "${text}" (${el.scrollWidth} > ${el.clientWidth})`);
    else if (rect.right > vw + 1 && !scrolls(el))
      problems.push(`off the right edge ${name(el)}: "${text}" (right ${Math.round(rect.right)} > ${vw})`);
  }
  return [...new Set(problems)];
}
"""


def overflow(page) -> list[str]:
    return page.evaluate(OVERFLOW_JS)


def recorded_axe_sha256() -> str:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    match = re.search(r"`axe\.min\.js`: `([0-9a-f]{64})`", readme)
    assert match, "tests/vendor/README.md records no sha256 for axe.min.js"
    return match.group(1)


def axe_source() -> str:
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == recorded_axe_sha256(), "axe.min.js differs from the recorded file"
    return data.decode("utf-8")


def axe(page, source: str) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA violations on the page, each with its impact and where."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160))}));
        }"""
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("critical", "serious")]


def minor_count(violations: list[dict]) -> int:
    return sum(len(v["nodes"]) for v in violations if v["impact"] not in ("critical", "serious"))


def book_pages(built_book: Path, lang: str) -> list[str]:
    """Every HTML page of an edition, relative to the edition's folder."""
    edition = built_book / lang
    pages = []
    for path in sorted(edition.rglob("*.html")):
        rel = path.relative_to(edition).as_posix()
        if rel.startswith(("_static/", "_sources/", "_images/")):
            continue
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8", errors="replace")[:400]:
            continue  # a redirect (the edition's index.html leads to the welcome page)
        pages.append(rel)
    return pages


def exercise_pages(built_book: Path, lang: str) -> list[str]:
    return [p for p in book_pages(built_book, lang) if p.startswith("exercises/")]


def wait_for_dashboard(page, timeout: float = 180_000) -> None:
    """Voila has run the notebook and the widgets are drawn."""
    page.wait_for_function(
        "() => document.querySelector('.jupyter-widgets, .widget-box') !== null"
        " && !document.querySelector('#loading, .voila-spinner')"
        " && document.querySelectorAll('.jp-OutputArea-output').length > 0",
        timeout=timeout)
    page.wait_for_timeout(1500)  # the last widgets lay themselves out


def dashboard_at_each_width(browser, voila_url: str, dashboard: str, lang: str):
    """Open a dashboard on a phone, then yield the page at 360 px and at 1280 px."""
    context = browser.new_context(viewport=WIDTHS["360"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{voila_url}voila/render/{dashboard}.ipynb?lang={lang}")
        wait_for_dashboard(page)
        for width in ("360", "1280"):
            page.set_viewport_size(WIDTHS[width])
            page.wait_for_timeout(600)
            yield width, page
    finally:
        context.close()
