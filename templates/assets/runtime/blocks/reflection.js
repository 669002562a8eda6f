/*
 * Block part: reflection (docs/CONTRACT.md, "Block parts" and "blocks/reflection.html").
 * The learner's text stays in this browser: the core's store("reflections"),
 * one key per course and learner ("ilmpack:<course>:<learner>:reflections",
 * JSON id -> text), which the course's "forget" also clears.
 * The LMS is told only that a reflection was answered (fill-in, neutral, no
 * response), unless the course sends the text ([data-send-text]), cut to 255.
 * "My reflections" shows every reflection with its answer as one page to
 * print or download; "forget" deletes this course's answers from the device.
 *
 * State slice "reflection": one digit per reflection in document order,
 * 1 = answered (the LMS was told), trailing 0s cut.
 */
ILM.block("reflection", function (core) {
  var $ = core.$, $$ = core.$$, el = core.el, str = core.str, cssEscape = core.cssEscape;
  var ENTRIES = core.config.reflections || {};
  var TEXT_MAX = 255;              // SCORM 1.2 CMIFeedback: student_response
  var SAVE_DELAY = 400;            // ms after the last keystroke

  var boxes = $$("[data-reflection]").filter(function (b) {
    return Object.prototype.hasOwnProperty.call(ENTRIES, b.getAttribute("data-reflection"));
  });
  if (!boxes.length) return;
  var IDS = boxes.map(function (b) { return b.getAttribute("data-reflection"); });

  var answered = {};               // id -> true: the LMS knows it was answered
  var sent = {};                   // id -> the text last sent (sendText only), this session
  var texts = {};                  // id -> text, as stored
  var store = null;                // core.store("reflections"), once the learner is known
  var timers = {};
  var view = null, opener = null;

  function boxOf(id) { return $('[data-reflection="' + cssEscape(id) + '"]'); }
  function area(box) { return $("textarea[data-reflection-text]", box); }

  /* ------------------------------------------------------------------ */
  /* Storage on this device                                              */

  function readAll() {
    try {
      var data = JSON.parse(store.get() || "{}");
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return {};
    }
  }

  // Write every answer; false when the browser refuses (quota, storage switched off).
  function writeAll() {
    if (!store || !store.available) return false;
    var keep = {};
    Object.keys(texts).forEach(function (id) { if (texts[id]) keep[id] = texts[id]; });
    if (Object.keys(keep).length) return store.set(JSON.stringify(keep));
    store.remove();
    return true;
  }

  function status(box, text, warning) {
    var s = $("[data-reflection-status]", box);
    if (!s) return;
    // Same text, no change: a status region would read it out again.
    if (s.textContent !== text) s.textContent = text;
    s.classList.toggle("is-warning", !!warning);
  }

  function save(id) {
    var box = boxOf(id);
    texts[id] = area(box).value;
    if (!store || !store.available) return;
    if (writeAll()) {
      status(box, texts[id] ? str("reflection_saved") : "");
    } else {
      status(box, str("reflection_no_storage"), true);
    }
  }

  /* ------------------------------------------------------------------ */
  /* What the LMS is told                                                */

  // At most max UTF-16 units (what SCORM 1.2 LMSs count), cut between whole
  // characters (never inside a surrogate pair or a letter with its accents),
  // on one line: CMIFeedback's "^.{0,255}$" refuses line breaks.
  function cutText(text, max) {
    var flat = String(text).replace(/[\r\n\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();
    if (flat.length <= max) return flat;
    var parts;
    if (window.Intl && Intl.Segmenter) {
      parts = Array.from(new Intl.Segmenter(undefined, {granularity: "grapheme"}).segment(flat),
        function (s) { return s.segment; });
    } else {
      parts = Array.from(flat);    // code points
    }
    var out = "";
    for (var i = 0; i < parts.length && out.length + parts[i].length <= max; i++) out += parts[i];
    return out;
  }

  function tellLms(id) {
    var text = texts[id] || "";
    if (!text.trim()) return;
    var sendText = boxOf(id).hasAttribute("data-send-text");
    if (!sendText && answered[id]) return;
    var response = sendText ? cutText(text, TEXT_MAX) : "";
    if (sendText && sent[id] === response) return;
    core.interaction({id: id, type: "fill-in", response: response, correct: [], result: "neutral",
                      weighting: null, latency: null, timestamp: Date.now()});
    sent[id] = response;
    answered[id] = true;
    core.changed();                // saves the state and commits the record
  }

  boxes.forEach(function (box) {
    var id = box.getAttribute("data-reflection");
    var a = area(box);
    a.addEventListener("input", function () {
      clearTimeout(timers[id]);
      timers[id] = setTimeout(function () { save(id); }, SAVE_DELAY);
    });
    // "change" comes when the learner leaves the box after editing.
    a.addEventListener("change", function () {
      clearTimeout(timers[id]);
      save(id);
      tellLms(id);
    });
  });

  // Leaving the course straight from the box (no "change" yet): save and tell the LMS now,
  // before the core's own pagehide commits (block parts register first).
  window.addEventListener("pagehide", function () {
    Object.keys(timers).forEach(function (id) { clearTimeout(timers[id]); save(id); });
    IDS.forEach(tellLms);
  });

  core.slice("reflection", {
    encode: function () {
      return IDS.map(function (id) { return answered[id] ? "1" : "0"; }).join("").replace(/0+$/, "");
    },
    decode: function (text) {
      IDS.forEach(function (id, i) { answered[id] = text.charAt(i) === "1"; });
    }
  });

  /* ------------------------------------------------------------------ */
  /* Forget my answers on this device                                    */

  function confirmOf(button) { return $("[data-reflection-confirm]", button.closest("[data-reflection]")); }

  core.action("reflection-forget", function (button) {
    var c = confirmOf(button);
    c.hidden = false;
    button.setAttribute("aria-expanded", "true");
    $('button[data-action="reflection-forget-no"]', c).focus();
  });

  function closeConfirm(button) {
    var box = button.closest("[data-reflection]");
    $("[data-reflection-confirm]", box).hidden = true;
    var toggle = $('button[data-action="reflection-forget"]', box);
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
    return box;
  }

  core.action("reflection-forget-no", function (button) { closeConfirm(button); });

  // Empty every box; the course's "forget" (core) has deleted the key already.
  function clearAll() {
    IDS.forEach(function (id) {
      clearTimeout(timers[id]);
      texts[id] = "";
      area(boxOf(id)).value = "";
      status(boxOf(id), "");
    });
  }
  core.onForget(clearAll);

  core.action("reflection-forget-yes", function (button) {
    clearAll();
    if (store) store.remove();
    var box = closeConfirm(button);
    status(box, str("reflection_forgotten"));
  });

  /* ------------------------------------------------------------------ */
  /* My reflections: one page to read, print or download                 */

  function pageTitle(id) {
    var pid = ENTRIES[id].page;
    var pages = core.config.pages || [];
    for (var i = 0; i < pages.length; i++) if (pages[i].id === pid) return pages[i].title;
    return "";
  }

  // The view's content, built from the page's own prompt and guide markup.
  function fillView(root, heading) {
    heading.textContent = str("reflections_title");
    root.appendChild(heading);
    var course = el("p", "ilm-reflections-course", core.config.title || "");
    root.appendChild(course);
    root.appendChild(el("p", "ilm-reflections-intro", str("reflections_intro")));
    IDS.forEach(function (id) {
      var box = boxOf(id);
      var item = el("article", "ilm-reflections-item");
      item.appendChild(el("h2", "", pageTitle(id)));
      var prompt = el("div", "ilm-reflections-prompt");
      prompt.innerHTML = $(".ilm-reflection-prompt", box).innerHTML;
      item.appendChild(prompt);
      var guide = $(".ilm-reflection-guide", box);
      if (guide) {
        var list = el("ul", "ilm-reflections-guide");
        list.innerHTML = guide.innerHTML;
        item.appendChild(list);
      }
      var text = area(box).value;
      var answer = el("div", "ilm-reflections-answer", text || str("reflections_unanswered"));
      item.appendChild(answer);
      root.appendChild(item);
    });
  }

  function closeView() {
    if (!view) return;
    view.parentNode.removeChild(view);
    view = null;
    document.body.classList.remove("ilm-reflections-open");
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }

  core.action("reflection-view", function (button) {
    closeView();
    IDS.forEach(function (id) { save(id); });
    opener = button;
    view = el("section", "ilm-reflections-view");
    view.setAttribute("data-reflections-view", "");
    view.setAttribute("aria-labelledby", "ilm-reflections-title");
    var h = el("h1", "ilm-page-title");
    h.id = "ilm-reflections-title";
    h.tabIndex = -1;
    fillView(view, h);
    var actions = el("div", "ilm-reflections-view-actions");
    [["reflection-print", "reflections_print", " ilm-button-primary"], ["reflection-download", "reflections_download", ""],
     ["reflection-close", "reflections_close", ""]].forEach(function (b) {
      var btn = el("button", "ilm-button" + b[2], str(b[1]));
      btn.type = "button";
      btn.setAttribute("data-action", b[0]);
      actions.appendChild(btn);
    });
    view.appendChild(actions);
    var main = $("#ilm-main") || document.body;
    main.appendChild(view);
    document.body.classList.add("ilm-reflections-open");
    h.focus();
  });

  core.action("reflection-print", function () { window.print(); });
  core.action("reflection-close", function () { closeView(); });

  core.action("reflection-download", function () {
    var doc = document.implementation.createHTMLDocument(str("reflections_title"));
    doc.documentElement.lang = document.documentElement.lang || "";
    var meta = doc.createElement("meta");
    meta.setAttribute("charset", "utf-8");
    doc.head.insertBefore(meta, doc.head.firstChild);
    var style = doc.createElement("style");
    style.textContent = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}" +
      ".ilm-reflections-answer{white-space:pre-wrap;border:1px solid #888;padding:.5rem .75rem}";
    doc.head.appendChild(style);
    var main = doc.createElement("main");
    fillView(main, doc.createElement("h1"));
    doc.body.appendChild(main);
    var html = "<!doctype html>\n" + doc.documentElement.outerHTML;
    var url = URL.createObjectURL(new Blob([html], {type: "text/html;charset=utf-8"}));
    var a = document.createElement("a");
    a.href = url;
    a.download = (core.config.courseId || "course") + "-" + str("reflections_title").toLowerCase().replace(/[^a-z0-9æøå]+/g, "-") + ".html";
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  });

  // Moving to a page (pager, contents, in-text link) leaves the view first.
  document.addEventListener("click", function (e) {
    if (view && e.target.closest && e.target.closest("[data-nav], [data-goto], a[data-page-link], [data-action='finish']")) closeView();
  }, true);

  return {
    restore: function () {
      store = core.store("reflections");
      texts = readAll();
      boxes.forEach(function (box) {
        var id = box.getAttribute("data-reflection");
        var a = area(box);
        if (typeof texts[id] === "string" && !a.value) a.value = texts[id];
        texts[id] = a.value;
        $("[data-reflection-actions]", box).hidden = false;
        if (!store.available) status(box, str("reflection_no_storage"), true);
      });
    }
  };
});
