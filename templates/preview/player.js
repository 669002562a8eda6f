/*
 * The page of `ilmpack preview` that plays the LMS: it holds the strict LMS API (lms-<format>.js),
 * loads the built course in a frame, shows what the LMS records in the side panel, and follows
 * the server's build events (Server-Sent Events): a new build reloads the frame where the learner
 * was; a failed build shows its problems with file:line:col until a save fixes them.
 * The attempt is kept in this browser's localStorage, so it survives reloads and rebuilds as a
 * real LMS attempt survives a relaunch; "New learner" forgets it.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("preview-config").textContent);
  var frame = document.getElementById("pv-sco");
  var $ = function (id) { return document.getElementById(id); };
  var lms = null;
  var snapshot = null;
  var shown = -1;              // the build generation in the frame
  var lang = null;
  var events = null;
  var connected = null;        // the language the event stream asks the server to build

  function storageKey(what) { return "ilmpack-preview:" + (snapshot ? snapshot.courseId : "") + ":" + what; }

  function load(what) {
    try { return JSON.parse(localStorage.getItem(storageKey(what)) || "null"); } catch (e) { return null; }
  }

  function save(what, value) {
    try { localStorage.setItem(storageKey(what), JSON.stringify(value)); } catch (e) { /* private mode: keep it in memory */ }
  }

  function text(id, value) { $(id).textContent = value; }

  function render(attempt) {
    var v = attempt.values;
    var status = v["cmi.core.lesson_status"] || "not attempted";
    text("pv-status", status + (v["cmi.core.lesson_mode"] === "review" ? " (review mode: Moodle reopens a passed or completed attempt so)" : ""));
    $("pv-status").setAttribute("data-status", status);
    var raw = v["cmi.core.score.raw"], mastery = v["cmi.student_data.mastery_score"];
    text("pv-score", (raw === undefined || raw === "" ? "none reported" : raw + " %") +
         (mastery ? " · mastery " + mastery + " %" : ""));
    text("pv-location", v["cmi.core.lesson_location"] || "–");
    text("pv-launch", attempt.launches ? "launch " + attempt.launches + ", entry " + (v["cmi.core.entry"] || "\"\"") +
         ", exit " + (v["cmi.core.exit"] || "\"\"") + (attempt.open ? " · session open" : " · session closed") : "not launched");
    text("pv-time", (v["cmi.core.total_time"] || "0000:00:00") + " total" +
         (v["cmi.core.session_time"] ? " · this session " + v["cmi.core.session_time"] : ""));
    var size = (v["cmi.suspend_data"] || "").length;
    text("pv-suspend", size + " / " + config.budget + " characters");
    $("pv-suspend").setAttribute("data-size", size);
    var bar = $("pv-suspend-bar");
    bar.style.width = Math.min(100, size / config.budget * 100) + "%";
    bar.className = size > config.budget * 0.9 ? "pv-over" : size > config.budget * 0.7 ? "pv-near" : "";

    var list = $("pv-refused");
    list.textContent = "";
    attempt.refused.slice(-50).forEach(function (r) {
      var li = document.createElement("li");
      li.setAttribute("data-code", r.code);
      var head = document.createElement("strong");
      head.textContent = r.fn + (r.element ? " " + r.element : "") + ": error " + r.code + " (" + r.message + ")";
      li.appendChild(head);
      li.appendChild(document.createTextNode(" " + r.why));
      list.appendChild(li);
    });
    text("pv-refused-count", String(attempt.refused.length));
    $("pv-refused-count").className = "pv-count" + (attempt.refused.length ? " pv-bad" : "");

    var body = $("pv-interactions");
    body.textContent = "";
    var n = attempt.counts["cmi.interactions"] || 0;
    for (var i = 0; i < n; i++) {
      var row = document.createElement("tr");
      ["id", "type", "student_response", "result"].forEach(function (field, k) {
        if (k === 0) {
          var num = document.createElement("td");
          num.textContent = String(i);
          row.appendChild(num);
        }
        var td = document.createElement("td");
        td.textContent = v["cmi.interactions." + i + "." + field] || "";
        row.appendChild(td);
      });
      body.appendChild(row);
    }
    text("pv-interactions-count", String(n));
  }

  function startLms() {
    var saved = load("attempt");
    if (saved) saved.open = false;   // a session left open when this page closed is over
    var learner = "learner-" + (load("learners") || 1);
    lms = window[config.factory]({
      learner: learner,
      mastery: snapshot.mastery,
      saved: saved,
      onChange: function (attempt) { save("attempt", attempt); render(attempt); }
    });
    window.API = lms.api;
    render(lms.attempt());
  }

  function launch() {
    frame.src = "/sco/" + encodeURIComponent(lang) + "/index.html?build=" + snapshot.generation;
    shown = snapshot.generation;
  }

  function showLanguages() {
    var select = $("pv-lang");
    if (select.getAttribute("data-langs") === snapshot.langs.join(",")) return;
    select.textContent = "";
    snapshot.langs.forEach(function (code) {
      var option = document.createElement("option");
      option.value = option.textContent = code;
      select.appendChild(option);
    });
    select.setAttribute("data-langs", snapshot.langs.join(","));
    if (snapshot.langs.indexOf(lang) === -1) lang = snapshot.langs.indexOf(config.lang) !== -1 ? config.lang : snapshot.langs[0];
    select.value = lang;
  }

  function clock(ms) { return new Date(ms).toLocaleTimeString(); }

  function received(next) {
    snapshot = next;
    $("pv-waiting").hidden = true;
    if (!next.ok) {
      var list = $("pv-problems");
      list.textContent = "";
      next.problems.forEach(function (p) {
        var li = document.createElement("li");
        var where = document.createElement("code");
        where.textContent = p.where;
        li.appendChild(where);
        li.appendChild(document.createTextNode(" " + (p.severity === "warning" ? "warning: " : "") + p.message));
        list.appendChild(li);
      });
      $("pv-error").hidden = false;
      var count = next.problems.filter(function (p) { return p.severity !== "warning"; }).length;
      text("pv-build", "build " + next.generation + " failed at " + clock(next.finished) + ": " +
           count + (count === 1 ? " problem" : " problems"));
      $("pv-build").className = "pv-build pv-bad";
      return;
    }
    $("pv-error").hidden = true;
    text("pv-course-title", next.title[lang] || next.title[next.langs[0]] || next.courseId);
    text("pv-build", "built at " + clock(next.finished) + " in " + next.seconds.toFixed(2) + " s" +
         (next.warnings.length ? " · " + next.warnings.length + (next.warnings.length === 1 ? " warning" : " warnings") + ", see the terminal" : ""));
    $("pv-build").className = "pv-build";
    showLanguages();
    text("pv-course-title", next.title[lang] || next.courseId);
    if (!lms) startLms(); else lms.setMastery(next.mastery);
    if (lang !== connected) connect(lang);
    if (next.built.indexOf(lang) === -1) return;   // the server builds it now that this page shows it
    if (next.generation !== shown) launch();
  }

  // The stream names the language shown: a save rebuilds the languages open pages show, not all.
  function connect(code) {
    if (events) events.close();
    connected = code;
    events = new EventSource("/_preview/events" + (code ? "?lang=" + encodeURIComponent(code) : ""));
    events.onmessage = function (event) { received(JSON.parse(event.data)); };
    events.onerror = function () {
      text("pv-build", "the preview server has stopped (run ilmpack preview again)");
      $("pv-build").className = "pv-build pv-bad";
    };
  }

  $("pv-lang").addEventListener("change", function (event) {
    lang = event.target.value;
    text("pv-course-title", snapshot.title[lang] || snapshot.courseId);
    if (snapshot.built.indexOf(lang) !== -1) launch();
    connect(lang);
  });

  $("pv-new-learner").addEventListener("click", function () {
    if (!lms) return;
    // Unload the course first: it finishes its session into the old attempt, not the new one.
    frame.addEventListener("load", function blank() {
      frame.removeEventListener("load", blank);
      var next = (load("learners") || 1) + 1;
      save("learners", next);
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf("ilmpack:") === 0) localStorage.removeItem(key);   // the course's own (reflections)
      });
      lms.reset("learner-" + next);
      launch();
    });
    frame.src = "about:blank";
  });

  connect(config.lang);
})();
