/*
 * ilmpack runtime core: one launch page, one LMS session for the whole course.
 *
 * Reads the course config from <script id="ilmpack-config">, shows one
 * <section class="ilm-page"> at a time, applies the completion rule, and
 * saves ONE state text through whichever LMS adapter the build chose
 * (docs/CONTRACT.md, "Browser runtime"). Knows nothing of SCORM and nothing
 * of question markup: LMS adapters register with ILM.lms(), block parts with
 * ILM.block(). Vanilla ES2017, no dependencies, nothing loaded from anywhere.
 */

var STATE_FORMAT = "2";          // first field of the state text

var adapters = {};               // name -> factory(core) -> adapter
var parts = [];                  // [{kind, factory}] in registration order

// An LMS adapter: factory(core) returns {start, save, interaction, report, commit, finish, budget}.
ILM.lms = function (name, factory) { adapters[name] = factory; };

// A block part: factory(api) returns nothing or {restore()}; see the block-part API below.
ILM.block = function (kind, factory) { parts.push({kind: kind, factory: factory}); };

ILM.boot = function (lmsName) {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(lmsName); });
  } else {
    start(lmsName);
  }
};

/* -------------------------------------------------------------------- */
/* Small helpers                                                         */

var config = null, STR = {}, PAGES = [], COMPLETION = {};

function str(key, vars) {
  var s = typeof STR[key] === "string" ? STR[key] : key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, function (m, name) {
    return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
  });
}

function log() {
  if (window.console && console.warn) {
    console.warn.apply(console, ["ilmpack:"].concat(Array.prototype.slice.call(arguments)));
  }
}

var $ = function (sel, root) { return (root || document).querySelector(sel); };
var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

function cssEscape(s) {
  return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
}

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

var ui = {};
var sections = [];

function notice(text, kind) {
  if (!ui.notice) return;
  ui.notice.textContent = text;
  ui.notice.className = "ilm-notice" + (kind ? " ilm-notice-" + kind : "");
}

/* -------------------------------------------------------------------- */
/* Course state                                                          */

var state = {current: 0, viewed: []};
var slices = [];                 // [{name, encode(room), decode(text)}], sorted by name at boot
var lms = null;                  // the adapter in use
var launch = null;               // what adapter.start() said
var readOnly = false;            // review/browse/no-credit: show, change nothing in the LMS
var finished = false;            // the learner pressed Finish (or the page unloaded)
var reported = {status: "", raw: null};  // what the LMS holds (read at start, then what we sent)
var mastery = null;
var testRule = null;             // "passed" | "answered" | null
var hasTest = false;             // a block part declared a scored test
var testResult = null;           // {raw} of the newest submitted test
var retaking = false;            // a retake is under way: the newest result stands meanwhile

function pageIndex(id) {
  for (var i = 0; i < PAGES.length; i++) if (PAGES[i].id === id) return i;
  return -1;
}

/* -------------------------------------------------------------------- */
/* The state text: "2|<fingerprint>|<viewed>|<slice>|<slice>..."         */
/*   fingerprint: from the build (config.fingerprint), 7 characters       */
/*   viewed: hex digits, 4 pages each, bit i = page i (config order)      */
/*   one field per registered slice, slices sorted by name                */

function encodeViewed() {
  var out = "";
  for (var i = 0; i < state.viewed.length; i += 4) {
    var v = 0;
    for (var b = 0; b < 4; b++) if (state.viewed[i + b]) v |= 1 << b;
    out += v.toString(16);
  }
  return out;
}

function sliceText(slice, room) {
  var text = "";
  try { text = String(slice.encode(room)); } catch (e) { log("state slice " + slice.name + " failed", e); }
  if (text.indexOf("|") !== -1) {
    log("state slice " + slice.name + " wrote a '|': not saved");
    return "";
  }
  return text;
}

// Never more than the adapter's budget. Each slice gets encode(Infinity)
// first; over budget, every slice is asked for its essentials (encode(0)),
// and what is left is handed out slice by slice in order. Viewed pages
// are never dropped.
function stateText() {
  var head = [STATE_FORMAT, config.fingerprint || "", encodeViewed()];
  var full = head.concat(slices.map(function (s) { return sliceText(s, Infinity); })).join("|");
  var budget = lms && lms.budget > 0 ? lms.budget : Infinity;
  if (full.length <= budget) return full;
  var texts = slices.map(function (s) { return sliceText(s, 0); });
  var room = budget - head.concat(texts).join("|").length;
  if (room < 0) {
    log("state over budget even without answers: not saved");
    return "";
  }
  for (var i = 0; i < slices.length; i++) {
    var more = sliceText(slices[i], texts[i].length + room);
    if (more.length <= texts[i].length + room) {
      room -= more.length - texts[i].length;
      texts[i] = more;
    }
  }
  log("state over budget: dropped the least important answers");
  return head.concat(texts).join("|");
}

function restoreState(text) {
  var fields = String(text || "").split("|");
  if (fields[0] !== STATE_FORMAT) return false;
  if (fields[1] !== (config.fingerprint || "")) {
    log("saved state is from another version of the course: not restored");
    return false;
  }
  var hex = fields[2] || "";
  for (var i = 0; i < state.viewed.length; i++) {
    var digit = parseInt(hex.charAt(i >> 2), 16);
    state.viewed[i] = !isNaN(digit) && (digit & (1 << (i & 3))) !== 0;
  }
  slices.forEach(function (s, n) {
    try { s.decode(fields[3 + n] || ""); } catch (e) { log("state slice " + s.name + " not restored", e); }
  });
  return true;
}

/* -------------------------------------------------------------------- */
/* Completion and score (docs/CONTRACT.md, "Completion rule")            */

function pagesRequired() {
  var pct = typeof COMPLETION.pages === "number" ? COMPLETION.pages : 0;
  return Math.min(PAGES.length, Math.max(0, Math.ceil(PAGES.length * pct / 100 - 1e-9)));
}

function pagesViewed() {
  return state.viewed.filter(Boolean).length;
}

// What the LMS should hold now: {status, raw} or null (leave "incomplete").
function outcome() {
  var rule = hasTest ? testRule : null;   // a test rule without a test: pages only
  if (pagesViewed() < pagesRequired()) return null;
  if (!rule) return {status: "completed", raw: null};
  if (!testResult) return null;
  var raw = testResult.raw;
  var status = "completed";
  if (rule === "passed" && mastery !== null) status = raw >= mastery ? "passed" : "failed";
  return {status: status, raw: raw};
}

function courseDone() {
  return reported.status === "passed" || reported.status === "failed" || reported.status === "completed";
}

// Hands the outcome to the adapter when it changed.
function report() {
  if (!launch || readOnly || finished) return;
  var o = outcome();
  if (!o || (o.status === reported.status && o.raw === reported.raw)) return;
  reported = {status: o.status, raw: o.raw};
  lms.report({status: o.status, raw: o.raw});
}

// Bookmark and state text, then one commit.
function save() {
  if (!launch || readOnly || finished) return;
  var page = PAGES[state.current];
  var text = stateText();
  lms.save(text, page ? page.id : "");
  lms.commit({leaving: false});
}

/* -------------------------------------------------------------------- */
/* Navigation                                                            */

function showPage(index, opts) {
  opts = opts || {};
  if (finished) return;
  if (index < 0 || index >= PAGES.length || !sections[index]) return;
  var last = PAGES.length - 1;
  sections.forEach(function (s, i) { if (s) s.hidden = i !== index; });
  state.current = index;
  state.viewed[index] = true;

  var page = PAGES[index];
  document.title = page.title + " – " + config.title;
  if (ui.progress) ui.progress.textContent = str("progress", {current: index + 1, total: PAGES.length});
  if (ui.progressFill) ui.progressFill.style.width = ((index + 1) / PAGES.length * 100).toFixed(1) + "%";
  if (ui.prev) ui.prev.disabled = index === 0;
  if (ui.next) ui.next.hidden = index === last;
  if (ui.finish) ui.finish.hidden = index !== last;
  updateFinishButton();
  updateToc();
  closeToc();
  markScrollingTables(sections[index]);

  if (opts.focus !== false) {
    window.scrollTo(0, 0);
    var h1 = $("h1", sections[index]);
    if (h1) h1.focus();
  }
  report();
  save();
}

// Films and recordings on the pages play one at a time, and one whose page (or <details>) is
// hidden stops: a learner who moves on should not hear the last page go on talking.
function quietPlayers() {
  var players = $$(".ilm-page video, .ilm-page audio");
  if (!players.length) return;
  // Media events do not bubble; a listener on the capture phase hears every player.
  document.addEventListener("play", function (e) {
    players.forEach(function (other) { if (other !== e.target && !other.paused) other.pause(); });
  }, true);
  new MutationObserver(function () {
    players.forEach(function (p) { if (!p.paused && p.closest("[hidden], details:not([open])")) p.pause(); });
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["hidden", "open"]});
}

// Each table in a scroll box of its own, so a wide table does not widen
// the page (reflow at 320 px). A box that does scroll is made a named,
// focusable region so keyboard users can scroll it.
function wrapTables() {
  $$(".ilm-page-body table").forEach(function (table) {
    if (table.parentNode.classList.contains("ilm-table-wrap")) return;
    var wrap = el("div", "ilm-table-wrap");
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
}

function markScrollingTables(section) {
  if (!section) return;
  $$(".ilm-table-wrap", section).forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      var caption = $("caption", wrap);
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : str("table_label"));
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}

function updateToc() {
  $$("a[data-goto]").forEach(function (a) {
    var i = pageIndex(a.getAttribute("data-goto"));
    if (i === state.current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    var seen = i >= 0 && state.viewed[i];
    a.classList.toggle("is-visited", seen);
    var label = $("[data-visited-label]", a);
    if (label) label.hidden = !seen;
  });
}

function openToc(open) {
  if (!ui.toc || !ui.tocToggle) return;
  ui.toc.classList.toggle("is-open", open);
  ui.tocToggle.setAttribute("aria-expanded", open ? "true" : "false");
}

function closeToc() { openToc(false); }

/* -------------------------------------------------------------------- */
/* Leaving and finishing                                                 */

// The test is still to be handed in: "Finish" is then the secondary
// button, so the test's own button is the one that stands out.
function testPending() {
  return hasTest && (!testResult || retaking) && !readOnly;
}

function updateFinishButton() {
  if (ui.finish) ui.finish.classList.toggle("ilm-button-primary", !testPending());
}

// What finishing now would leave undone ([] if nothing): the test not
// handed in, pages not seen. Review launches change nothing: never asked.
function unfinishedBusiness() {
  if (!launch || readOnly || finished) return [];
  var left = [];
  if (testPending()) {
    left.push(testResult ? str("confirm_retake", {score: testResult.raw}) : str("confirm_test"));
  }
  if (pagesViewed() < PAGES.length) left.push(str("confirm_pages", {viewed: pagesViewed(), total: PAGES.length}));
  return left;
}

// Finish pressed: straight to the end page, or first a modal <dialog>
// saying what is left and what happens (focus on "back to the course";
// Escape or that button closes it and focus returns to Finish).
function requestFinish() {
  var left = unfinishedBusiness();
  var dialog = ui.confirm;
  if (!left.length || !dialog || typeof dialog.showModal !== "function") {
    onFinish();
    return;
  }
  var text = $("[data-confirm-text]", dialog);
  if (text) {
    text.textContent = "";
    left.concat([launch.tracked ? str("confirm_saved") : str("confirm_untracked")]).forEach(function (line) {
      text.appendChild(el("p", null, line));
    });
  }
  dialog.showModal();
  var stay = $('button[data-action="finish-cancel"]', dialog);
  if (stay) stay.focus();
}

function closeConfirm(thenFinish) {
  var dialog = ui.confirm;
  if (dialog && dialog.open) dialog.close();
  if (thenFinish) onFinish();
  else if (ui.finish && !ui.finish.hidden) ui.finish.focus();
}

// The end page: what the learner got, what was kept, what to do next.
function summaryRows() {
  var rows = [];
  if (hasTest) {
    var t;
    if (!testResult) t = str("summary_test_none");
    else if (testRule === "passed" && mastery !== null) {
      t = str(testResult.raw >= mastery ? "summary_test_passed" : "summary_test_failed",
              {score: testResult.raw, mastery: mastery});
    } else t = str("summary_test_done", {score: testResult.raw});
    rows.push([str("summary_test"), [t]]);
  }
  var pages = [str("summary_pages_seen", {viewed: pagesViewed(), total: PAGES.length})];
  if (launch.tracked && !readOnly && pagesViewed() < pagesRequired()) {
    pages.push(str("summary_pages_needed", {required: pagesRequired()}));
  }
  rows.push([str("summary_pages"), pages]);
  var saved;
  if (!launch.tracked) saved = [str("summary_saved_untracked")];
  else if (readOnly) saved = [str("summary_saved_review")];
  else {
    var status = reported.status;
    if (["passed", "failed", "completed"].indexOf(status) === -1) status = "incomplete";
    saved = [str("summary_saved_lms", {status: str("status_" + status)})];
    if (reported.raw !== null) saved.push(str("summary_saved_score", {score: reported.raw}));
  }
  rows.push([str("summary_saved"), saved]);
  return rows;
}

function showSummary() {
  var box = ui.summary;
  if (!box) return;
  box.textContent = "";
  summaryRows().forEach(function (row) {
    var group = el("div", "ilm-summary-row");
    group.appendChild(el("dt", null, row[0]));
    group.appendChild(el("dd", null, row[1].join(" ")));
    box.appendChild(group);
  });
}

function onLeave(event) {
  if (!launch || finished) return;
  var unloading = !!(event && event.type === "pagehide" && !event.persisted);
  if (!readOnly) {
    lms.save(stateText(), PAGES[state.current] ? PAGES[state.current].id : "");
    lms.commit({leaving: true});
  }
  // pagehide that is not going into the back/forward cache: the page is
  // really unloading, so close the session (status was set long before).
  if (unloading) {
    finished = true;
    lms.finish({done: null});
  }
}

function onFinish() {
  if (!launch) return;             // an asynchronous LMS has not answered yet
  var tracked = launch.tracked;
  // Earlier notices (welcome back, not tracked) are stale now: the summary
  // says what was saved. A notice the adapter gives while finishing stays.
  notice("");
  if (!finished) {
    if (!readOnly) {
      lms.save(stateText(), PAGES[state.current] ? PAGES[state.current].id : "");
    }
    finished = true;
    lms.finish({done: courseDone()});
  }
  var text = !tracked ? str("finished_untracked")
    : readOnly ? str("finished_untracked")
    : courseDone() ? str("finished_complete") : str("finished_saved");
  sections.forEach(function (s) { if (s) s.hidden = true; });
  if (ui.pager) ui.pager.hidden = true;
  if (ui.toc) ui.toc.hidden = true;
  if (ui.tocToggle) ui.tocToggle.hidden = true;
  // One column: the contents are gone, the end page takes the width.
  if (ui.layout) ui.layout.classList.add("is-finished");
  if (ui.progress) ui.progress.textContent = str("progress_finished");
  if (ui.progressFill) ui.progressFill.style.width = "100%";
  showSummary();
  if (ui.finishedText) ui.finishedText.textContent = text;
  // 2.4.2: the title names what is shown now.
  document.title = str("finished_title") + " – " + config.title;
  if (ui.finished) {
    ui.finished.hidden = false;
    window.scrollTo(0, 0);
    ui.finished.focus();
  }
}

/* -------------------------------------------------------------------- */
/* Storage on this device: what the learner keeps in the browser          */

// One localStorage key per course, learner and part: "ilmpack:<course>:<learner>:<name>". Parts
// go through store(name), so "forget my answers on this device" finds every key of the course.
var forgetters = [];             // handler() of each part: clear what it shows

function storePrefix() {
  var learner = launch && launch.learner ? String(launch.learner) : "anonymous";
  return "ilmpack:" + (config.courseId || "") + ":" + learner + ":";
}

function localStore() {
  try {
    var s = window.localStorage;
    s.setItem("ilmpack:probe", "1");
    s.removeItem("ilmpack:probe");
    return s;
  } catch (e) {
    log("no localStorage here", e);
    return null;
  }
}

function store(name) {
  var s = localStore();
  return Object.freeze({
    available: !!s,
    get: function () { try { return s ? s.getItem(storePrefix() + name) : null; } catch (e) { return null; } },
    // false when the browser refuses (quota, storage switched off)
    set: function (text) {
      if (!s) return false;
      try { s.setItem(storePrefix() + name, text); return true; } catch (e) { log("could not store " + name, e); return false; }
    },
    remove: function () { try { if (s) s.removeItem(storePrefix() + name); } catch (e) { log("could not remove " + name, e); } }
  });
}

function forgetDevice() {
  var s = localStore(), prefix = storePrefix();
  if (s) {
    try {
      var keys = [];
      for (var i = 0; i < s.length; i++) if (s.key(i).indexOf(prefix) === 0) keys.push(s.key(i));
      keys.forEach(function (k) { s.removeItem(k); });
    } catch (e) { log("could not delete this course's data on this device", e); }
  }
  forgetters.forEach(function (f) { try { f(); } catch (e) { log("forget failed", e); } });
}

function bindForget() {
  var box = $("[data-device-forget]");
  if (!box) return;
  var confirm = $("[data-device-forget-confirm]", box), toggle = $('button[data-action="device-forget"]', box);
  var status = $("[data-device-forget-status]", box);
  function ask(open) {
    confirm.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    (open ? $('button[data-action="device-forget-no"]', confirm) : toggle).focus();
  }
  actions["device-forget"] = function () { status.textContent = ""; ask(true); };
  actions["device-forget-no"] = function () { ask(false); };
  actions["device-forget-yes"] = function () {
    forgetDevice();
    ask(false);
    status.textContent = str("device_forgotten");
  };
  box.hidden = false;
}

/* -------------------------------------------------------------------- */
/* The API block parts get (docs/CONTRACT.md, "Block parts")              */

var actions = {};                // data-action value -> handler(target, event)
var changeHandlers = [];         // handler(event) for "change" events

function blockApi(kind) {
  return Object.freeze({
    kind: kind,
    config: config,
    str: str,
    log: log,
    $: $,
    $$: $$,
    el: el,
    cssEscape: cssEscape,
    notice: notice,
    get readOnly() { return readOnly; },
    // The learner's id from the LMS's launch (null before restore() and without an LMS).
    get learner() { return launch && launch.learner ? String(launch.learner) : null; },
    // This course's storage on the device, key "ilmpack:<course>:<learner>:<name>" (call it
    // in restore(), once the learner is known): {available, get(), set(text) -> ok, remove()}.
    store: store,
    // "Forget my answers on this device" (the course's): every key is gone; clear what you show.
    onForget: function (handler) { forgetters.push(handler); },
    // Click on a button[data-action=<name>] anywhere in the course.
    action: function (name, handler) { actions[name] = handler; },
    // Every "change" event in the course (the handler filters its own).
    onChange: function (handler) { changeHandlers.push(handler); },
    // A named piece of the saved state: {encode(room) -> string, decode(string)}.
    slice: function (name, impl) {
      slices.push({name: name, encode: impl.encode, decode: impl.decode});
    },
    // "My state changed": save (and report) now. Nothing is saved in review mode.
    changed: function () { report(); save(); },
    // A result line for the LMS's journal; standard-neutral (see the contract).
    interaction: function (record) {
      if (!launch || readOnly || finished) return;
      lms.interaction(record);
    },
    // This course has a scored test: the completion rule waits for its result.
    declareTest: function () { hasTest = true; },
    // The newest test result, {raw: 0..100}; the completion rule judges it.
    testResult: function (result) {
      testResult = result ? {raw: result.raw} : null;
      retaking = false;
      updateFinishButton();
    },
    // A retake has begun: the newest result stands until the next testResult,
    // but Finish is secondary again and asks first.
    retaking: function () {
      retaking = true;
      updateFinishButton();
    },
    // For showing a result: the rule, the mastery score and the page rule.
    completion: function () {
      return {rule: hasTest ? testRule : null, mastery: mastery, pagesRequired: pagesRequired(),
              pagesViewed: pagesViewed(), pagesTotal: PAGES.length};
    }
  });
}

/* -------------------------------------------------------------------- */
/* Events                                                                */

function bindEvents() {
  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target.closest("button, a[data-goto], a[data-page-link]") : null;
    if (!target) return;
    var nav = target.getAttribute("data-nav");
    var action = target.getAttribute("data-action");
    // data-page-link: a link in the text to another page of the course.
    var goto = target.getAttribute("data-goto");
    if (goto === null) goto = target.getAttribute("data-page-link");
    if (nav === "next") showPage(state.current + 1);
    else if (nav === "prev") showPage(state.current - 1);
    else if (goto !== null) {
      e.preventDefault();
      var i = pageIndex(goto);
      if (i >= 0) showPage(i);
    } else if (action === "finish") requestFinish();
    else if (action === "finish-confirm") closeConfirm(true);
    else if (action === "finish-cancel") closeConfirm(false);
    else if (action && actions[action]) actions[action](target, e);
    else if (target.hasAttribute("data-toc-toggle")) {
      openToc(target.getAttribute("aria-expanded") !== "true");
    }
  });

  document.addEventListener("change", function (e) {
    changeHandlers.forEach(function (h) { h(e); });
  });

  // Escape closes the confirmation natively; focus goes back to Finish.
  if (ui.confirm) {
    ui.confirm.addEventListener("cancel", function (e) {
      e.preventDefault();
      closeConfirm(false);
    });
  }

  if (ui.toc) {
    ui.toc.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && ui.toc.classList.contains("is-open")) {
        closeToc();
        if (ui.tocToggle) ui.tocToggle.focus();
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { markScrollingTables(sections[state.current]); }, 200);
  });

  // No unload/beforeunload: commit when the page is hidden or left.
  window.addEventListener("pagehide", onLeave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") onLeave(null);
  });
}

/* -------------------------------------------------------------------- */
/* Start                                                                 */

// What adapters get: no state, no DOM beyond the notice.
var adapterApi = Object.freeze({
  get config() { return config; },
  str: str,
  log: log,
  notice: notice
});

function makeAdapter(name) {
  var factory = adapters[name];
  if (!factory) return null;
  try { return factory(adapterApi); } catch (e) { log("LMS adapter " + name + " failed", e); return null; }
}

function start(lmsName) {
  try {
    config = JSON.parse(document.getElementById("ilmpack-config").textContent);
  } catch (e) {
    if (window.console) console.error("ilmpack: no readable #ilmpack-config", e);
    return;
  }
  STR = config.strings || {};
  PAGES = config.pages || [];
  COMPLETION = config.completion || {};
  state.viewed = PAGES.map(function () { return false; });
  mastery = typeof config.masteryScore === "number" ? config.masteryScore : null;
  testRule = COMPLETION.test === "passed" || COMPLETION.test === "answered" ? COMPLETION.test : null;

  sections = PAGES.map(function (p) {
    return document.querySelector('section.ilm-page[data-page-id="' + cssEscape(p.id) + '"]');
  });
  ui = {
    notice: $("#ilm-notice"),
    progress: $("[data-progress]"),
    progressFill: $("[data-progress-fill]"),
    prev: $('button[data-nav="prev"]'),
    next: $('button[data-nav="next"]'),
    finish: $('button[data-action="finish"]'),
    pager: $(".ilm-pager"),
    toc: $("#ilm-toc"),
    tocToggle: $("[data-toc-toggle]"),
    finished: $("[data-finished]"),
    finishedText: $("[data-finished-text]"),
    summary: $("[data-finished-summary]"),
    confirm: $("dialog[data-finish-confirm]"),
    layout: $(".ilm-layout")
  };

  document.documentElement.classList.add("ilm-js");
  if (ui.tocToggle) ui.tocToggle.hidden = false;
  wrapTables();
  quietPlayers();

  var restorers = [];
  parts.forEach(function (p) {
    try {
      var r = p.factory(blockApi(p.kind));
      if (r && typeof r.restore === "function") restorers.push(r.restore);
    } catch (e) { log("block part " + p.kind + " failed", e); }
  });
  slices.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
  bindEvents();
  bindForget();

  lms = makeAdapter(lmsName) || makeAdapter("none");
  begin(lmsName === "none" || !adapters[lmsName]);

  // start() may answer at once or with a Promise (an asynchronous LMS such
  // as cmi5 or xAPI): until it answers the first page is shown and nothing
  // is saved or reported. null: no LMS here, the "none" adapter takes over.
  function begin(isFallback) {
    var answer;
    try { answer = lms.start(); } catch (e) { log("LMS start failed", e); answer = null; }
    if (answer && typeof answer.then === "function") {
      answer.then(function (info) { use(info); }, function (e) { log("LMS start failed", e); use(null); })
        .catch(function (e) { log("start failed", e); });
    } else {
      use(answer);
    }
    function use(info) {
      if (info || isFallback) { launched(info || {tracked: false}); return; }
      lms = makeAdapter("none");
      begin(true);
    }
  }

  function launched(info) {
    launch = info;
    readOnly = info.tracked && (info.mode === "review" || info.mode === "browse" || info.credit === "no-credit");
    reported = {status: info.status || "", raw: typeof info.raw === "number" ? info.raw : null};
    if (typeof info.mastery === "number") mastery = info.mastery;

    // Restore on "resume", and also on "" (same attempt, exit was not
    // "suspend") when there is data; "ab-initio" starts afresh. Review
    // and browse show what the learner did, whatever the entry.
    var startAt = state.current, restored = false;   // where the learner is (async start)
    if (info.entry !== "ab-initio" || readOnly) {
      restored = info.state ? restoreState(info.state) : false;
      var at = info.bookmark ? pageIndex(info.bookmark) : -1;
      if (at >= 0) startAt = at;
    }
    restorers.forEach(function (r) {
      try { r(); } catch (e) { log("block part restore failed", e); }
    });
    if (readOnly) notice(str("review_mode"), "info");
    else if (info.entry === "resume" && (restored || startAt > 0)) notice(str("resumed"), "info");
    showPage(startAt, {focus: false});
  }
}

// Read-only view for debugging and tests; nothing else is global.
window.ilmpack = Object.freeze({
  get state() {
    return JSON.parse(JSON.stringify({current: state.current, viewed: state.viewed, test: testResult}));
  },
  get tracking() { return !!(launch && launch.tracked); },
  get readOnly() { return readOnly; },
  get finished() { return finished; },
  get mastery() { return mastery; },
  get suspendData() { return config ? stateText() : ""; }
});
