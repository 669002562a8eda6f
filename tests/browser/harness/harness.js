/*
 * A minimal LMS for ilmpack's browser tests.
 *
 * startLms(options) plays the part of an LMS's SCORM 1.2 player page:
 *   1. creates window.API = new Scorm12API(...) (scorm-again), with no commit URL,
 *   2. preloads the learner's CMI data (what the LMS knows before launch),
 *   3. wraps every LMS* function so each call is journaled in window.lmsLog
 *      (function, arguments, return value, error code after the call),
 *   4. optionally makes LMSSetValue refuse some elements ("false", error 405),
 *   5. and only then loads the SCO in an iframe.
 *
 * options = {
 *   cmi: {core: {...}, suspend_data: "...", student_data: {...}},  // loadFromJSON input
 *   refuse: null | {elements: ["cmi.core.session_time", ...] | "*", error: "405"},
 *   src: "/sco/index.html"
 * }
 * Returns a promise resolved when the iframe has loaded.
 */
(function () {
  "use strict";

  var LMS_FUNCTIONS = [
    "LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
    "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"
  ];

  window.lmsLog = [];
  window.lmsMessages = [];   // scorm-again's own log lines (for diagnostics)

  function startLms(options) {
    options = options || {};
    var api = new Scorm12API({
      lmsCommitUrl: false,          // nothing is sent anywhere; commits succeed locally
      autocommit: false,
      logLevel: 4,                  // ERROR
      mastery_override: false,      // judge the status the SCO itself reports
      score_overrides_status: false,
      autoCompleteLessonStatus: false,
      onLogMessage: function (level, message) {
        window.lmsMessages.push({level: level, message: String(message)});
      }
    });

    // What the LMS knows before launch. Must happen before LMSInitialize:
    // read-only elements (student_id, entry, credit, ...) can only be loaded then.
    if (options.cmi) {
      api.loadFromJSON(options.cmi);
    }

    var refuse = options.refuse || null;

    function refused(element) {
      if (!refuse) return false;
      if (refuse.elements === "*") return true;
      return refuse.elements.indexOf(element) !== -1;
    }

    LMS_FUNCTIONS.forEach(function (name) {
      var original = api[name].bind(api);
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var ret, error;
        if (name === "LMSSetValue" && refused(String(args[0]))) {
          api.lastErrorCode = String(refuse.error || "405");
          ret = "false";
        } else {
          ret = original.apply(null, args);
        }
        error = String(api.lastErrorCode);
        window.lmsLog.push({
          fn: name,
          args: args.map(function (a) { return a === undefined ? null : String(a); }),
          ret: ret === undefined ? null : String(ret),
          error: error,
          t: Date.now()
        });
        return ret;
      };
    });

    window.API = api;

    return new Promise(function (resolve) {
      var frame = document.createElement("iframe");
      frame.id = "sco-frame";
      frame.name = "sco";
      frame.title = "course";
      frame.addEventListener("load", function onLoad() {
        frame.removeEventListener("load", onLoad);
        resolve(true);
      });
      frame.src = options.src || "/sco/index.html";
      document.body.appendChild(frame);
    });
  }

  /* The CMI as the LMS holds it now (what it would store). */
  function lmsState() {
    var api = window.API;
    var state = api.renderCMIToJSONObject();
    return {
      cmi: state,
      initialized: api.isInitialized(),
      terminated: api.isTerminated()
    };
  }

  /* Leave the SCO the way a learner closing the LMS player does:
     the SCO's document is unloaded (pagehide fires in it). */
  function unloadSco() {
    return new Promise(function (resolve) {
      var frame = document.getElementById("sco-frame");
      frame.addEventListener("load", function () { resolve(true); }, {once: true});
      frame.src = "about:blank";
    });
  }

  window.startLms = startLms;
  window.lmsState = lmsState;
  window.unloadSco = unloadSco;
})();
