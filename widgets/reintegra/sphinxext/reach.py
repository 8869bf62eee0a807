"""The theme's pages, made to read well with a screen reader and in French.

Every page the HTML builder writes passes through :func:`fix_page`:

* the theme's own words that its templates leave in English (the sidebar
  toggles' titles, the main navigation's name, the code toggles' name, the
  search field) are written in the edition's language;
* names that contradict what a control shows are removed, so that a screen
  reader says what the eye reads (the code toggles, the search button, the
  colour-theme switch), and the sidebar's section toggles get a name;
* empty table header cells (the blank corner of a data table) become plain cells.

Also the widgets' shared stylesheet and script (``workshop/template/static/widgets.css``
and ``widgets-a11y.js``, the same files the workshop dashboards load) are added
to the book.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..i18n import messages

HERE = Path(__file__).parent
WIDGETS_CSS = HERE.parent / "workshop" / "template" / "static" / "widgets.css"
WIDGETS_JS = WIDGETS_CSS.with_name("widgets-a11y.js")

M = messages(
    "theme",
    {
        "search": "Search this book…",
        "toggle_primary": "Show or hide the table of contents",
        "toggle_secondary": "Show or hide the contents of this page",
        "main_nav": "Table of contents",
        "sections": "Show or hide the sections",
        "chart_alt": "Chart of the figures given in the table above it",
    },
)


def _lang(config) -> str:
    return "fr" if (config.language or "en").startswith("fr") else "en"


_EMPTY_TH = re.compile(r"<th(\s[^>]*)?>(?:\s|&nbsp;|&#160;)*</th>")
_THEME_ICON = re.compile(r'(<i class="theme-switch [^"]*" data-mode="\w+")\s+title="[^"]*"></i>')
_PATH_ALT = re.compile(r'<img([^>]*?) alt="((?:\.\./)*_images/([^"/]+\.png))" src="((?:\.\./)*_images/\3)"')
_IMG = re.compile(r"<img [^>]*>")
_SEARCH_LABEL = re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="[^"]*"')
_KBD = '<span class="search-button__kbd-shortcut">'
_TOC_SUMMARY = '<summary><span class="toctree-toggle" role="presentation">'


def fix_page(html: str, lang: str) -> str:
    html = html.replace('title="Toggle primary sidebar"', f'title="{M("toggle_primary", lang)}"'
                        f' aria-label="{M("toggle_primary", lang)}"')
    html = html.replace('title="Toggle secondary sidebar"', f'title="{M("toggle_secondary", lang)}"'
                        f' aria-label="{M("toggle_secondary", lang)}"')
    html = html.replace('<nav class="bd-links bd-docs-nav" aria-label="Main">',
                        f'<nav class="bd-links bd-docs-nav" aria-label="{M("main_nav", lang)}">')
    # The code toggle's name is what it shows ("Show code"), not a hidden English label.
    html = html.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    # The search button is named by the word it shows ("Search"); the keyboard
    # shortcut beside it is a hint for the eye.
    html = html.replace(_KBD, '<span class="search-button__kbd-shortcut" aria-hidden="true">')
    html = _SEARCH_LABEL.sub(r"\1", html)
    # The colour-theme switch is named by its label; its icons are decoration.
    html = _THEME_ICON.sub(r'\1 aria-hidden="true"></i>', html)
    html = html.replace(_TOC_SUMMARY, f'<summary aria-label="{M("sections", lang)}">'
                        '<span class="toctree-toggle" role="presentation">')
    # A notebook's chart without a text alternative gets the file's path as its
    # "alt" (a screen reader would spell a hash): say what it shows instead. The
    # course's charts all come after the table of their figures.
    html = _PATH_ALT.sub(lambda m: f'<img{m.group(1)} alt="{M("chart_alt", lang)}" src="{m.group(4)}"', html)
    # Pictures of the page load when the reader reaches them.
    html = _IMG.sub(lambda m: m.group(0) if "loading=" in m.group(0) or "_images/" not in m.group(0)
                    else m.group(0).replace("<img ", '<img loading="lazy" ', 1), html)
    # The bibliography: a list whose items hold links in their own right (axe: aria-required-children).
    html = html.replace('<div role="list" class="citation-list">', '<div class="citation-list">')
    html = html.replace(' role="doc-biblioentry"', "")
    html = _EMPTY_TH.sub(lambda m: f"<td{m.group(1) or ''}></td>", html)
    return html


def _wrap_renderer(app) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is None or app.builder.format != "html" or getattr(templates, "_reach", False):
        return
    from .weight import extract_inline_images, lighten_widget_state

    lang = _lang(app.config)
    render = templates.render
    outdir = Path(app.outdir)

    def render_fixed(template, context):
        html = fix_page(render(template, context), lang)
        if "pagename" in context:
            html = extract_inline_images(html, outdir, context["pagename"])
        if "widget-state+json" in html:
            html = lighten_widget_state(html)
        return html

    templates.render = render_fixed
    templates._reach = True


def _theme_words(app, config) -> None:
    options = dict(config.html_theme_options or {})
    options["search_bar_text"] = M("search", _lang(config))
    config.html_theme_options = options
    for shared in (WIDGETS_CSS, WIDGETS_JS):
        if shared.is_file():
            config.html_static_path = list(config.html_static_path or []) + [str(shared)]


def _fixes_version() -> str:
    """A digest of the code that rewrites pages: when it changes, every page is written again."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("reach.py", "weight.py"):
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def setup_reach(app) -> None:
    from .weight import setup_weight

    setup_weight(app)
    app.add_config_value("reintegra_page_fixes", _fixes_version(), "html")
    app.connect("config-inited", _theme_words, priority=600)
    app.connect("builder-inited", _wrap_renderer)
    app.add_css_file("widgets.css")
    app.add_js_file("widgets-a11y.js", loading_method="defer")
