/*
 * LMS adapter: TinCan, as launched by an LMS that follows Rustici's launch
 * convention (docs/CONTRACT.md, "xAPI adapters"): endpoint, auth (used as the
 * Authorization header as given), actor, registration and activity_id in
 * the launch URL. Sends initialized, experienced/progressed for pages,
 * answered for questions, completed, passed or failed with the score, and
 * terminated, about the course activity of tincan.xml. Statement queue and
 * state document: lms/xapi.js.
 */
ILM.lms("tincan", function (core) {
  var X = ILM.xapi;
  var body = null;

  return {
    budget: 64000,                 // the state document has no fixed limit; keep it small for the LRS

    start: function () {
      var p = X.launchParams();
      if (!p.endpoint || !p.auth || !p.actor) return null;
      var actor = X.agent(p.actor);
      if (!actor) {
        core.log("TinCan: the launch actor is not an xAPI agent", p.actor);
        core.notice(core.str("lms_init_failed"), "warning");
        return {tracked: false};
      }
      var config = core.config;
      var activityId = p.activity_id || (config.xapi || {}).course;
      var registration = p.registration || "";
      var client = X.client({core: core, endpoint: p.endpoint, auth: p.auth, actor: actor, key: config.courseId,
                             registration: registration, activityId: activityId});
      var name = {}; name[config.lang] = config.title;
      return client.loadState().then(function (doc) {
        body = X.adapter(core, {
          client: client, actor: actor, activityId: activityId, registration: registration,
          budget: 64000, quiet: false,
          definition: {type: "http://adlnet.gov/expapi/activities/course", name: name},
          context: function () {
            var c = {language: config.lang};
            if (registration) c.registration = registration;
            return c;
          },
          verdictExtensions: null,
          leave: null
        }, doc);
        body.initialized();
        return body.launch({learner: actor.account ? actor.account.name : actor.mbox || null});
      }).catch(function (e) {
        core.log("TinCan launch failed", e);
        core.notice(core.str("lms_init_failed"), "warning");
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
