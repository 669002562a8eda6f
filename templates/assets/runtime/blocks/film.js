/*
 * Block part: film (docs/CONTRACT.md, "Block parts"). The film works without it; this adds:
 * - a player that is hidden (the learner went to another page, or closed the <details> of the
 *   described version) stops, and starting one player pauses the others;
 * - a descriptions track (kind="descriptions") is read out: each cue's text goes to the film's
 *   live region as it starts, so a screen reader speaks it. Browsers do not voice description
 *   tracks themselves.
 * No state slice: nothing of a film is saved.
 */
ILM.block("film", function (api) {
  var $$ = api.$$;
  var players = $$("[data-film] video");

  // Same as in blocks/interview.js: each kind's part looks after its own players.
  players.forEach(function (player) {
    player.addEventListener("play", function () {
      $$("video.ilm-player, audio.ilm-player").forEach(function (other) { if (other !== player) other.pause(); });
    });
  });
  new MutationObserver(function () {
    players.forEach(function (player) { if (!player.paused && player.closest("[hidden], details:not([open])")) player.pause(); });
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["hidden", "open"]});

  $$("[data-film]").forEach(function (film) {
    var live = film.querySelector("[data-descriptions-live]");
    var video = film.querySelector("video");
    if (!live || !video) return;
    Array.prototype.forEach.call(video.textTracks, function (track) {
      if (track.kind !== "descriptions") return;
      track.mode = "hidden";  // its cues load and fire; nothing is drawn over the picture
      track.addEventListener("cuechange", function () {
        var cue = track.activeCues && track.activeCues[0];
        if (cue) live.textContent = cue.text;
      });
    });
  });
});
