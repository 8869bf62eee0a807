"""A lighter book for a weak link.

* Font Awesome: the theme ships ``fontawesome.js`` (1.5 MB, every icon of
  every style). After the build it is replaced by a script of a few kilobytes
  that draws only the solid icons the book's pages use, from the same paths.
* Pictures that a page carries inside its HTML (``<img src="data:image/png;base64,…">``,
  such as the maps of Module 4) are written to ``_images/`` as files, reduced
  to a palette of 256 colours, and loaded lazily: the page's HTML stays small
  and a picture is fetched when the reader reaches it.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

MARKER = "/* reintegra: Font Awesome subset */"
# name:[width,height,[aliases],"unicode","path"] in Font Awesome's all.js
_ENTRY = re.compile(r'(?:"([a-z0-9-]+)"|([a-z][a-z0-9]*)):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]')
_USED = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
_NOT_ICONS = {"solid", "regular", "brands", "lg", "xs", "sm", "xl", "2x", "3x", "fw", "spin", "pulse"}


def solid_icons(source: str) -> dict[str, tuple[int, int, str]]:
    """The solid icons defined in Font Awesome's ``all.js``: name → (width, height, path)."""
    end = re.search(r'\w\("fas",\w\)', source)
    start = re.search(r'\w\("far",\w\)', source)
    if not end or not start or start.start() > end.start():
        return {}
    icons = {}
    for match in _ENTRY.finditer(source, start.end(), end.start()):
        icons[match.group(1) or match.group(2)] = (int(match.group(3)), int(match.group(4)), match.group(5))
    return icons


def icons_used(outdir: Path) -> set[str]:
    names: set[str] = set()
    # The pages, and the theme's own scripts (they add a few icons, such as the search dialog's close button).
    for path in list(outdir.rglob("*.html")) + list((outdir / "_static" / "scripts").glob("*.js")):
        if path.name == "fontawesome.js":
            continue
        names.update(_USED.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names - _NOT_ICONS


SUBSET_JS = MARKER + """
(function () {
  var ICONS = %s;
  var css = ".svg-inline--fa{display:inline-block;height:1em;overflow:visible;vertical-align:-.125em;box-sizing:content-box}"
          + ".svg-inline--fa.fa-lg{font-size:1.25em;line-height:.05em;vertical-align:-.2em}";
  function style() {
    if (document.getElementById("fa-subset-style")) return;
    var s = document.createElement("style"); s.id = "fa-subset-style"; s.textContent = css;
    document.head.appendChild(s);
  }
  function draw(el) {
    var name = null;
    el.classList.forEach(function (c) { if (c.indexOf("fa-") === 0 && ICONS[c.slice(3)]) name = c.slice(3); });
    if (!name) return;
    var icon = ICONS[name];
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    for (var i = 0; i < el.attributes.length; i++) svg.setAttribute(el.attributes[i].name, el.attributes[i].value);
    svg.setAttribute("class", (el.getAttribute("class") || "") + " svg-inline--fa");
    svg.setAttribute("viewBox", "0 0 " + icon[0] + " " + icon[1]);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", icon[2]);
    svg.appendChild(path);
    el.replaceWith(svg);
  }
  function run(root) {
    style();
    (root.querySelectorAll ? root : document).querySelectorAll("i[class*='fa-'], span[class*='fa-']").forEach(draw);
  }
  function start() {
    run(document);
    new MutationObserver(function (records) {
      records.forEach(function (r) { r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        if (n.matches && n.matches("i[class*='fa-'], span[class*='fa-']")) draw(n); else if (n.querySelectorAll) run(n);
      }); });
    }).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
"""


def subset_fontawesome(outdir: Path) -> int | None:
    """Replace the theme's fontawesome.js by the icons the pages use. Returns the new size."""
    script = outdir / "_static" / "scripts" / "fontawesome.js"
    if not script.is_file():
        return None
    source = script.read_text(encoding="utf-8")
    if source.startswith(MARKER):
        return len(source)  # already done (an incremental build that did not copy it again)
    icons = solid_icons(source)
    if not icons:
        LOGGER.warning("fontawesome.js: no solid icons found; left whole", type="reintegra", subtype="weight")
        return None
    used = {name: icons[name] for name in sorted(icons_used(outdir)) if name in icons}
    text = SUBSET_JS % json.dumps(used, separators=(",", ":"))
    script.write_text(text, encoding="utf-8")
    for leftover in (script.with_name("fontawesome.js.map"),):
        leftover.unlink(missing_ok=True)
    return len(text)


# ------------------------------------------------------------- inline pictures

_INLINE_PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]{20000,})"')


def lighter_png(raw: bytes) -> bytes:
    """The picture in 256 colours on white when that is smaller (charts and maps keep their look)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib brings Pillow
        return raw
    image = Image.open(io.BytesIO(raw))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return out.getvalue() if len(out.getvalue()) < len(raw) else raw


def extract_inline_images(html: str, outdir: Path, pagename: str) -> str:
    """Write large inline PNGs to ``_images/`` and link them, loaded lazily."""
    up = "../" * pagename.count("/")

    def replace(match: re.Match) -> str:
        raw = base64.b64decode(match.group(1))
        name = f"inline-{hashlib.sha256(raw).hexdigest()[:20]}.png"
        target = outdir / "_images" / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(lighter_png(raw))
        return f'<img loading="lazy" decoding="async" src="{up}_images/{name}"'

    return _INLINE_PNG.sub(replace, html)


_STATE = re.compile(r'(<script type="application/vnd\.jupyter\.widget-state\+json">)(.*?)(</script>)', re.S)


def lighten_widget_state(html: str) -> str:
    """The pictures saved in the widgets' state (a map, a chart) in 256 colours."""

    def replace(match: re.Match) -> str:
        try:
            state = json.loads(match.group(2))
        except ValueError:
            return match.group(0)
        changed = False
        for model in state.get("state", {}).values():
            if model.get("model_name") != "ImageModel":
                continue
            for buffer in model.get("buffers", []):
                if buffer.get("encoding") != "base64" or buffer.get("path") != ["value"]:
                    continue
                raw = base64.b64decode(buffer["data"])
                if not raw.startswith(b"\x89PNG"):
                    continue
                small = lighter_png(raw)
                if small is not raw:
                    buffer["data"] = base64.b64encode(small).decode("ascii")
                    changed = True
        if not changed:
            return match.group(0)
        text = json.dumps(state, ensure_ascii=False).replace("</", "<\\/")
        return match.group(1) + text + match.group(3)

    return _STATE.sub(replace, html)


def _finish(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    subset_fontawesome(Path(app.outdir))
    lighten_images(Path(app.outdir))


def lighten_images(outdir: Path) -> int:
    """The notebooks' charts in ``_images/`` reduced to 256 colours (those not yet reduced)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib brings Pillow
        return 0
    done = 0
    folder = outdir / "_images"
    for path in sorted(folder.glob("*.png")) if folder.is_dir() else ():
        with Image.open(path) as image:
            if image.mode == "P":
                continue  # already a palette picture
        raw = path.read_bytes()
        small = lighter_png(raw)
        if small is not raw:
            path.write_bytes(small)
            done += 1
    return done


def setup_weight(app) -> None:
    app.connect("build-finished", _finish)
