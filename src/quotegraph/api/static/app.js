// quotegraph explorer: evidence on click (and keyboard), the linked quote selected on arrival.
// Served from /static under a Content-Security-Policy that allows no inline script; it only reads the page's own
// server-rendered, escaped markup and toggles the `hidden` attribute and classes: it never builds HTML from text.
(function () {
  "use strict";

  function selectQuote(id, scroll) {
    var panel = document.getElementById("evidence-panel");
    if (!panel) return;
    var target = document.getElementById("quote-" + id);
    if (!target) return;
    panel.querySelectorAll(".evidence").forEach(function (section) {
      section.hidden = section !== target;
    });
    var empty = document.getElementById("evidence-empty");
    if (empty) empty.hidden = true;
    document.querySelectorAll(".article-text .mark.selected, .headline .mark.selected").forEach(function (mark) {
      mark.classList.remove("selected");
    });
    var marks = document.querySelectorAll('.mark[data-quote="' + CSS.escape(String(id)) + '"]');
    marks.forEach(function (mark) {
      mark.classList.add("selected");
    });
    document.body.classList.add("has-selection");
    if (scroll && marks.length) {
      marks[0].scrollIntoView({ block: "center" });
    }
  }

  function markFor(element) {
    return element && element.closest ? element.closest(".mark[data-quote]") : null;
  }

  document.addEventListener("click", function (event) {
    var mark = markFor(event.target);
    if (!mark) return;
    selectQuote(mark.getAttribute("data-quote"), false);
    if (history.replaceState) history.replaceState(null, "", "#quote-" + mark.getAttribute("data-quote"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var mark = markFor(event.target);
    if (!mark) return;
    event.preventDefault();
    selectQuote(mark.getAttribute("data-quote"), false);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var match = /^#quote-(\d+)$/.exec(window.location.hash);
    if (match) selectQuote(match[1], true);
  });
})();
