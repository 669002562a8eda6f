/*
 * LMS adapter: cmi5 (docs/CONTRACT.md, "LMS adapters" and "xAPI adapters").
 * The AU's side of cmi5 (Quartz): reads endpoint, fetch, actor, registration
 * and activityId from the launch URL, POSTs `fetch` once for the auth token
 * (kept in sessionStorage, so a reload does not need a second), reads
 * LMS.LaunchData from the State API and the learner's preferences from the
 * Agent Profile API. Sends `initialized` first, `completed` and `passed` or
 * `failed` as the core reports them, `terminated` last, every statement with
 * the LMS's context template; `answered`, `experienced` and `progressed`
 * are cmi5 "allowed" statements. Browse and Review send only initialized and
 * terminated. On Finish the learner goes back to the LMS's returnURL.
 * Statement queue and state document: lms/xapi.js.
 */
ILM.lms("cmi5", function (core) {
  var X = ILM.xapi;
  var CMI5 = "https://w3id.org/xapi/cmi5/context/";
  var CATEGORY = {defined: CMI5 + "categories/cmi5", moveon: CMI5 + "categories/moveon"};
  var MASTERY = CMI5 + "extensions/masteryscore";
  var REDIRECT_WAIT_MS = 4000;     // at most this long for the LRS before going back to the LMS

  var body = null;
  var session = null;              // {token, ended} in sessionStorage, by fetch URL

  function sessionKey(p) { return "ilmpack.cmi5.session." + p.fetch; }

  function readSession(p) {
    try { return JSON.parse(window.sessionStorage.getItem(sessionKey(p))); } catch (e) { return null; }
  }

  function writeSession(p, value) {
    try { window.sessionStorage.setItem(sessionKey(p), JSON.stringify(value)); } catch (e) { /* blocked */ }
  }

  // POST fetch exactly once a session; a reload of the page reuses the token.
  function token(p) {
    session = readSession(p);
    if (session && session.token) return Promise.resolve(session.token);
    return window.fetch(p.fetch, {method: "POST", cache: "no-store"}).then(function (r) {
      return r.json();
    }).then(function (j) {
      if (!j || !j["auth-token"]) throw new Error("fetch refused: " + (j && j["error-code"]) + " " + (j && j["error-text"]));
      session = {token: j["auth-token"], ended: false};
      writeSession(p, session);
      return session.token;
    });
  }

  function contextFrom(template, registration) {
    return function (kind) {
      var c = JSON.parse(JSON.stringify(template || {}));
      c.registration = registration;
      c.contextActivities = c.contextActivities || {};
      var categories = (c.contextActivities.category || []).slice();
      function add(id) {
        if (!categories.some(function (a) { return a.id === id; })) categories.push({objectType: "Activity", id: id});
      }
      if (kind === "defined" || kind === "moveon") add(CATEGORY.defined);
      if (kind === "moveon") add(CATEGORY.moveon);
      if (categories.length) c.contextActivities.category = categories;
      return c;
    };
  }

  return {
    budget: 64000,                 // the state document has no fixed limit; keep it small for the LRS

    start: function () {
      var p = X.launchParams();
      if (!p.endpoint || !p.fetch || !p.actor || !p.registration || !p.activityId) return null;
      var actor = X.agent(p.actor);
      if (!actor) {
        core.log("cmi5: the launch actor is not an xAPI agent", p.actor);
        core.notice(core.str("lms_init_failed"), "warning");
        return {tracked: false};
      }
      var client, launchData;
      return token(p).then(function (t) {
        if (session.ended) throw new Error("session ended");
        client = X.client({core: core, endpoint: p.endpoint, auth: "Basic " + t, actor: actor, key: core.config.courseId,
                           registration: p.registration, activityId: p.activityId});
        return Promise.all([
          client.getState("LMS.LaunchData"),
          client.getProfile("cmi5LearnerPreferences").catch(function () { return null; }),
          client.loadState().catch(function () { return null; })
        ]);
      }).then(function (r) {
        launchData = r[0];
        if (!launchData || !launchData.contextTemplate) throw new Error("no LMS.LaunchData with a contextTemplate");
        var mode = String(launchData.launchMode || "Normal").toLowerCase();
        var lmsMastery = typeof launchData.masteryScore === "number" ? launchData.masteryScore : null;
        var mastery01 = lmsMastery !== null ? lmsMastery
          : typeof core.config.masteryScore === "number" ? core.config.masteryScore / 100 : null;
        body = X.adapter(core, {
          client: client, actor: actor, activityId: p.activityId, registration: p.registration,
          budget: 64000, quiet: mode !== "normal", definition: null,
          context: contextFrom(launchData.contextTemplate, p.registration),
          verdictExtensions: function () {
            if (mastery01 === null) return null;
            var ext = {}; ext[MASTERY] = mastery01;
            return ext;
          },
          leave: function (unloading, stored) {
            session.ended = true;
            writeSession(p, session);
            if (unloading || !launchData.returnURL) return;
            var go = function () { window.location.assign(launchData.returnURL); };
            var timer = window.setTimeout(go, REDIRECT_WAIT_MS);
            stored.then(function () { window.clearTimeout(timer); go(); }, function () { window.clearTimeout(timer); go(); });
          }
        }, r[2]);
        var prefs = r[1] || {};
        if (prefs.languagePreference) core.log("cmi5 learner's languages: " + prefs.languagePreference);
        body.initialized();
        return body.launch({
          mode: mode,
          mastery: lmsMastery !== null ? Math.round(lmsMastery * 10000) / 100 : null,
          learner: actor.account ? actor.account.name : null
        });
      }).catch(function (e) {
        core.log("cmi5 launch failed", e);
        core.notice(core.str(session && session.ended ? "session_ended" : "lms_init_failed"), "warning");
        return {tracked: false};
      });
    },

    save: function (text, bookmark) { if (body) body.save(text, bookmark); },
    interaction: function (rec) { if (body) body.interaction(rec); },
    report: function (o) { if (body) body.report(o); },
    commit: function (opts) { if (body) body.commit(opts); },
    finish: function (opts) { if (body) body.finish(opts); }
  };
});
