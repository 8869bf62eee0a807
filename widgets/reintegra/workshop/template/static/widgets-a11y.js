/* The exercise widgets' pictures (maps, charts) are drawn as <img> without a text
   alternative; their caption, the widget right after them, says what they show.
   Give each picture that caption as its alternative text. Loaded by the book and
   by the workshop dashboards. */
(function () {
  function name(img) {
    if (img.hasAttribute("alt") && !img.hasAttribute("data-alt-from-caption")) return;
    var next = img.nextElementSibling;
    var text = next ? (next.innerText || next.textContent || "").trim() : "";
    text = text.length > 10 ? text : "";
    if (img.getAttribute("alt") !== text) img.setAttribute("alt", text);  // the caption changes with the picture
    img.setAttribute("data-alt-from-caption", "");
  }
  function run(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("img.widget-image").forEach(name);
  }
  function start() {
    run(document);
    new MutationObserver(function () { run(document); })
      .observe(document.body, {childList: true, subtree: true, characterData: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
