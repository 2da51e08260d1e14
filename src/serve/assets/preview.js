// The preview page's behaviour: hide the removed parts, and turn a click
// on a part of the page into a [[site]] rule. The page itself sits in a
// sandboxed frame that runs no script; this script reaches into it.
(function () {
  "use strict";
  var frame = document.getElementById("page");
  var hide = document.getElementById("hide-removed");
  var toml = document.getElementById("rule-toml");
  var copy = document.getElementById("copy-rule");
  var host = document.body.getAttribute("data-host") || "example.com";
  if (!frame) return;

  function doc() {
    try { return frame.contentDocument; } catch (e) { return null; }
  }

  function applyHide() {
    var d = doc();
    if (d && d.documentElement) {
      d.documentElement.classList.toggle("pith-hide-removed", hide.checked);
    }
  }

  function ident(s) { return /^[A-Za-z_-][A-Za-z0-9_-]*$/.test(s); }

  // A selector for an element the server did not mark.
  function selectorOf(el) {
    var name = el.localName;
    if (el.id && ident(el.id)) return name + "#" + el.id;
    var classes = Array.prototype.filter.call(el.classList, function (c) {
      return ident(c) && c !== "pith-picked";
    }).slice(0, 3);
    if (classes.length) return name + "." + classes.join(".");
    var p = el.parentElement;
    return p ? selectorOf(p) + " > " + name : name;
  }

  function tomlString(s) { return JSON.stringify(s); }

  function pick(el) {
    var d = doc();
    Array.prototype.forEach.call(d.querySelectorAll(".pith-picked"), function (e) {
      e.classList.remove("pith-picked");
    });
    el.classList.add("pith-picked");
    var marked = el.closest("[data-pith]");
    var sel = el.getAttribute("data-pith-selector") || selectorOf(el);
    // Out of the article: keep it. In it: drop it.
    var out = marked && marked.getAttribute("data-pith") !== "kept";
    var rule = "[[site]]\nhost = " + tomlString(host) + "\nselectors = { " +
      (out ? "keep" : "drop") + " = [" + tomlString(sel) + "] }\n";
    toml.textContent = rule;
    copy.disabled = false;
  }

  function init() {
    var d = doc();
    if (!d || d.pithReady) return;
    d.pithReady = true;
    applyHide();
    d.addEventListener("click", function (ev) {
      var el = ev.target && ev.target.closest ? ev.target : null;
      if (!el) return;
      ev.preventDefault();
      ev.stopPropagation();
      pick(el);
    }, true);
  }

  hide.addEventListener("change", applyHide);
  frame.addEventListener("load", init);
  if (doc() && doc().readyState === "complete") init();

  copy.addEventListener("click", function () {
    var text = toml.textContent;
    function fallback() {
      var r = document.createRange();
      r.selectNodeContents(toml);
      var s = window.getSelection();
      s.removeAllRanges();
      s.addRange(r);
      try { document.execCommand("copy"); } catch (e) { /* selected for the user */ }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        copy.textContent = "Copied";
      }, fallback);
    } else {
      fallback();
    }
  });
})();
