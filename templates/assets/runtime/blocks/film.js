/*
 * Block part: film (docs/CONTRACT.md, "Block parts"). The film works without it; this reads a
 * descriptions track (kind="descriptions") out: each cue's text goes to the film's live region
 * as it starts, so a screen reader speaks it. Browsers do not voice description tracks
 * themselves. (The core pauses a hidden player and keeps one playing at a time.)
 * No state slice: nothing of a film is saved.
 */
ILM.block("film", function (api) {
  var $$ = api.$$;
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
