/* The exercise widgets' pictures (maps, charts) are drawn as <img> without a text
   alternative; their caption, the widget right after them, says what they show.
   Give each picture that caption as its alternative text. Loaded by the book and
   by the workshop dashboards. */
(function () {
  function name(img) {
    if (img.hasAttribute("alt") && !img.hasAttribute("data-alt-from-caption")) return;
    var next = img.nextElementSibling;
    if (!next && img.parentElement && img.parentElement.classList.contains("ri-chart-scroll"))
      next = img.parentElement.nextElementSibling;  // a chart in its scrolling box
    var text = next ? (next.innerText || next.textContent || "").trim() : "";
    text = text.length > 10 ? text : "";
    if (img.getAttribute("alt") !== text) img.setAttribute("alt", text);  // the caption changes with the picture
    img.setAttribute("data-alt-from-caption", "");
  }
  function scrollable(box) {
    // A chart that scrolls sideways on a phone can be scrolled with the keyboard too.
    if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    var img = box.querySelector("img");
    var label = img ? img.getAttribute("alt") || "" : "";
    if (label && box.getAttribute("aria-label") !== label) {
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", label);
    }
  }
  function run(root) {
    var scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("img.widget-image").forEach(name);
    scope.querySelectorAll(".ri-chart-scroll").forEach(scrollable);
  }
  function start() {
    run(document);
    new MutationObserver(function () { run(document); })
      .observe(document.body, {childList: true, subtree: true, characterData: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
