#!/usr/bin/env python3
"""Remake the sample course's film, its audio-described version, the captions and
the interview from the text in this file.

Everything is made on this machine from text: the slides with ffmpeg's drawtext
filter (DejaVu Sans), the voices with espeak-ng, the captions timed from the
length of each spoken sentence. The results are free to redistribute.

Needs (only to remake the media; building the course does not): python3,
ffmpeg with libx264, and espeak-ng with its Norwegian and English voices.
On Debian/Ubuntu: apt-get install -y ffmpeg espeak-ng fonts-dejavu-core

Run from anywhere: python3 courses/likestilling/media/make_media.py
Give languages to remake only those (python3 .../make_media.py en); without any it
remakes all three.

It writes, in this folder, for each language L in nb, nn and en:
  likeverdige-L.mp4              the film (480x270, H.264 + AAC, mono)
  likeverdige-L.vtt              its captions
  likeverdige-synstolket-L.mp4   the film with the picture described in speech
  likeverdige-synstolket-L.vtt   captions of the described version
  intervju-L.m4a                 the interview (two voices, AAC mono)
and the posters (the first slide): likeverdige-plakat.png with the bokmål picture
that nb and nn share, likeverdige-plakat-en.png with the English one.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
W, H = 480, 270
RATE = 22050        # espeak-ng writes 22.05 kHz mono
GAP = 0.35          # seconds of silence after each sentence
SLIDE_TAIL = 0.6    # extra silence at the end of each slide

LANGS = ("nb", "nn", "en")


def voices(v: str) -> dict[str, list[str]]:
    """The four voices, all espeak-ng voice v with its variants."""
    return {"narrator": ["-v", v, "-s", "150", "-p", "45"],        # the film's narrator
            "describer": ["-v", f"{v}+f3", "-s", "155", "-p", "60"],  # the audio description
            "interviewer": ["-v", f"{v}+m3", "-s", "150", "-p", "35"],
            "guest": ["-v", f"{v}+f2", "-s", "145", "-p", "65"]}


# Espeak-ng has no nynorsk voice: the Norwegian voice reads nynorsk spelling.
VOICES = {"nb": voices("nb"), "nn": voices("nb"), "en": voices("en-gb")}

# Each slide: on-screen heading and line (nb and nn share one picture, so it is bokmål
# and the nynorsk description reads it out as written; en has its own heading and
# line), background colour, and per language: what the description says, what the
# narrator says.
SLIDES = [
    {
        "heading": "Lik i virkning", "line": "ikke lik i form", "bg": "0x1f3a5f",
        "nb": {"see": ["Hvit tekst på mørkeblå bakgrunn: Lik i virkning, ikke lik i form."],
               "say": ["Denne filmen handler om likeverdige tjenester.",
                       "Likeverdig betyr lik i virkning. Det betyr ikke at alle får nøyaktig det samme."]},
        "nn": {"see": ["Kvit tekst på mørkeblå bakgrunn: Lik i virkning, ikkje lik i form."],
               "say": ["Denne filmen handlar om likeverdige tenester.",
                       "Likeverdig tyder lik i verknad. Det tyder ikkje at alle får nøyaktig det same."]},
        "en": {"heading": "Equal in effect", "line": "not equal in form",
               "see": ["White text on a dark blue background: Equal in effect, not equal in form."],
               "say": ["This film is about equal services.",
                       "Equal means equal in effect. It does not mean that everyone gets exactly the same."]},
    },
    {
        "heading": "Samme brev til alle", "line": "Hvem forstår det?", "bg": "0x5a2d5e",
        "nb": {"see": ["Tekst på lilla bakgrunn: Samme brev til alle. Under står spørsmålet: Hvem forstår det?"],
               "say": ["Tenk deg at kommunen sender det samme brevet på norsk til alle.",
                       "Brevet er likt for alle. Men den som leser lite norsk, forstår kanskje ikke at hun må svare innen to uker."]},
        "nn": {"see": ["Tekst på lilla bakgrunn: Samme brev til alle. Under står spørsmålet: Hvem forstår det?"],
               "say": ["Tenk deg at kommunen sender det same brevet på norsk til alle.",
                       "Brevet er likt for alle. Men den som les lite norsk, forstår kanskje ikkje at ho må svare innan to veker."]},
        "en": {"heading": "One letter for all", "line": "Who understands it?",
               "see": ["Text on a purple background: One letter for all. Below it is the question: Who understands it?"],
               "say": ["Imagine that the municipality sends the same letter, in Norwegian, to everyone.",
                       "The letter is the same for everyone. But someone who reads little Norwegian may not understand that she has to reply within two weeks."]},
    },
    {
        "heading": "Kvalifisert tolk", "line": "når det trengs", "bg": "0x1d5c4a",
        "nb": {"see": ["Tekst på grønn bakgrunn: Kvalifisert tolk, når det trengs."],
               "say": ["Tolkeloven har gjeldt siden første januar 2022.",
                       "Offentlige organer skal bruke kvalifisert tolk når det trengs for rettssikkerheten eller for å gi forsvarlig hjelp."]},
        "nn": {"see": ["Tekst på grøn bakgrunn: Kvalifisert tolk, når det trengs."],
               "say": ["Tolkelova har gjelde sidan første januar 2022.",
                       "Offentlege organ skal bruke kvalifisert tolk når det trengst for rettstryggleiken eller for å gi forsvarleg hjelp."]},
        "en": {"heading": "Qualified interpreter", "line": "when it is needed",
               "see": ["Text on a green background: Qualified interpreter, when it is needed."],
               "say": ["The Interpreter Act has applied since the first of January 2022.",
                       "Public bodies must use a qualified interpreter when it is needed to protect people's legal rights, or to give proper help."]},
    },
    {
        "heading": "Rampe, teleslynge, leselist", "line": "universell utforming", "bg": "0x7a4a12",
        "nb": {"see": ["Tekst på brun bakgrunn: Rampe, teleslynge, leselist. Under står: universell utforming."],
               "say": ["Universell utforming betyr at flest mulig kan bruke tjenesten uten å måtte be om noe ekstra.",
                       "Rampen ved hovedinngangen, teleslyngen i skranken og et nettskjema som virker med leselist, er eksempler."]},
        "nn": {"see": ["Tekst på brun bakgrunn: Rampe, teleslynge, leselist. Under står: universell utforming."],
               "say": ["Universell utforming tyder at flest mogleg kan bruke tenesta utan å måtte be om noko ekstra.",
                       "Rampa ved hovudinngangen, teleslynga i skranken og eit nettskjema som verkar med leselist, er døme."]},
        "en": {"heading": "Ramp, hearing loop, braille", "line": "universal design", "size": 26,
               "see": ["Text on a brown background: Ramp, hearing loop, braille. Below it: universal design."],
               "say": ["Universal design means that as many people as possible can use the service without having to ask for anything extra.",
                       "The ramp at the main entrance, the hearing loop at the counter, and an online form that works with a braille display are examples."]},
    },
    {
        "heading": "Bare på nett?", "line": "Hvem kommer ikke inn?", "bg": "0x3b3b3b",
        "nb": {"see": ["Tekst på grå bakgrunn: Bare på nett? Under står: Hvem kommer ikke inn?"],
               "say": ["En tjeneste som bare finnes på nett, kan se nøytral ut.",
                       "Men den som mangler BankID eller digitale ferdigheter, kan bli stående utenfor."]},
        "nn": {"see": ["Tekst på grå bakgrunn: Bare på nett? Under står: Hvem kommer ikke inn?"],
               "say": ["Ei teneste som berre finst på nett, kan sjå nøytral ut.",
                       "Men den som manglar BankID eller digitale ferdigheiter, kan bli ståande utanfor."]},
        "en": {"heading": "Online only?", "line": "Who can't get in?",
               "see": ["Text on a grey background: Online only? Below it: Who can't get in?"],
               "say": ["A service that is only online can look neutral.",
                       "But people without BankID, the Norwegian electronic ID, or without digital skills, can be left outside."]},
    },
    {
        "heading": "Hvem faller utenfor?", "line": "Spør før dere bestemmer", "bg": "0x1f3a5f",
        "nb": {"see": ["Tekst på mørkeblå bakgrunn: Hvem faller utenfor? Under står: Spør før dere bestemmer."],
               "say": ["Spør derfor: Hvem er tjenesten laget for, og hvem faller utenfor?",
                       "Svaret viser hva dere bør gjøre annerledes."]},
        "nn": {"see": ["Tekst på mørkeblå bakgrunn: Hvem faller utenfor? Under står: Spør før dere bestemmer."],
               "say": ["Spør difor: Kven er tenesta laga for, og kven fell utanfor?",
                       "Svaret viser kva de bør gjere annleis."]},
        "en": {"heading": "Who falls outside?", "line": "Ask before you decide",
               "see": ["Text on a dark blue background: Who falls outside? Below it: Ask before you decide."],
               "say": ["So ask: Who is the service made for, and who falls outside?",
                       "The answer shows what you should do differently."]},
    },
]

# The interview: made up for the course, read by two synthetic voices.
INTERVIEW = {
    "nb": [
        ("I", "Du leder servicetorget i en kommune. Hva betyr likeverdige tjenester for dere?"),
        ("G", "At alle som kommer til oss, skal gå herfra med det de har krav på. Noen trenger litt mer hjelp enn andre for å få det."),
        ("I", "Kan du gi et eksempel?"),
        ("G", "Da vi flyttet søknaden om startlån over på nett, falt mange eldre fra. Vi så det i tallene etter et halvt år."),
        ("I", "Hva gjorde dere?"),
        ("G", "Vi spurte dem som jobber i skranken, og vi ringte noen av dem som ikke søkte. Mange hadde ikke BankID. Nå kan man søke på papir eller få hjelp ved skranken."),
        ("I", "Og tolk?"),
        ("G", "Vi bestiller kvalifisert tolk fra Nasjonalt tolkeregister. Tolkeloven sier at barn ikke skal brukes som tolk, og vi bruker heller ikke familie."),
        ("I", "Hva vil du si til en leder som skal begynne?"),
        ("G", "Start med tallene dere allerede har. Spør hvem som ikke kommer. Og skriv ned hva dere gjør, så dere kan se om det virker."),
    ],
    "nn": [
        ("I", "Du leiar servicetorget i ein kommune. Kva tyder likeverdige tenester for dykk?"),
        ("G", "At alle som kjem til oss, skal gå herifrå med det dei har krav på. Nokre treng litt meir hjelp enn andre for å få det."),
        ("I", "Kan du gi eit døme?"),
        ("G", "Då vi flytta søknaden om startlån over på nett, fall mange eldre frå. Vi såg det i tala etter eit halvt år."),
        ("I", "Kva gjorde de?"),
        ("G", "Vi spurde dei som arbeider i skranken, og vi ringde nokre av dei som ikkje søkte. Mange hadde ikkje BankID. No kan ein søkje på papir eller få hjelp ved skranken."),
        ("I", "Og tolk?"),
        ("G", "Vi tingar kvalifisert tolk frå Nasjonalt tolkeregister. Tolkelova seier at born ikkje skal brukast som tolk, og vi brukar heller ikkje familie."),
        ("I", "Kva vil du seie til ein leiar som skal byrje?"),
        ("G", "Start med tala de allereie har. Spør kven som ikkje kjem. Og skriv ned kva de gjer, så de kan sjå om det verkar."),
    ],
    "en": [
        ("I", "You run the service centre in a municipality. What do equal services mean to you?"),
        ("G", "That everyone who comes to us leaves with what they are entitled to. Some people need a little more help than others to get it."),
        ("I", "Can you give an example?"),
        ("G", "When we moved the application for a start-up loan online, many older people dropped out. We saw it in the figures after six months."),
        ("I", "What did you do?"),
        ("G", "We asked the staff at the counter, and we phoned some of the people who had not applied. Many had no BankID. Now you can apply on paper or get help at the counter."),
        ("I", "And interpreters?"),
        ("G", "We book qualified interpreters from the National Register of Interpreters. The Interpreter Act says that children must not be used as interpreters, and we don't use family members either."),
        ("I", "What would you say to a manager who is about to start?"),
        ("G", "Start with the figures you already have. Ask who isn't coming. And write down what you do, so you can see whether it works."),
    ],
}


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def speak(text: str, voice: list[str], out: Path) -> float:
    run("espeak-ng", *voice, "-w", str(out), text)
    with wave.open(str(out)) as w:
        return w.getnframes() / w.getframerate()


def join_audio(parts: list[tuple[Path | None, float]], out: Path) -> None:
    """parts: (wav, seconds) or (None, seconds of silence), written one after another."""
    with wave.open(str(out), "wb") as o:
        o.setnchannels(1), o.setsampwidth(2), o.setframerate(RATE)
        for wav, secs in parts:
            if wav is None:
                o.writeframes(b"\0\0" * round(secs * RATE))
            else:
                with wave.open(str(wav)) as w:
                    o.writeframes(w.readframes(w.getnframes()))


def stamp(t: float) -> str:
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:06.3f}"


def slide_png(slide: dict, lang: str, out: Path, tmp: Path) -> None:
    picture = slide[lang] if "heading" in slide[lang] else slide   # nb and nn share the bokmål picture
    (tmp / "h.txt").write_text(picture["heading"], encoding="utf-8")
    (tmp / "l.txt").write_text(picture["line"], encoding="utf-8")
    vf = (f"drawbox=x=40:y=200:w=400:h=6:color=white@0.8:t=fill,"
          f"drawtext=fontfile={FONT_BOLD}:textfile={tmp / 'h.txt'}:fontcolor=white:fontsize={picture.get('size', 30)}:"
          f"x=(w-text_w)/2:y=90,"
          f"drawtext=fontfile={FONT}:textfile={tmp / 'l.txt'}:fontcolor=white:fontsize=22:"
          f"x=(w-text_w)/2:y=145")
    run("ffmpeg", "-y", "-f", "lavfi", "-i", f"color=c={slide['bg']}:s={W}x{H}:d=1",
        "-vf", vf, "-frames:v", "1", str(out))


def film(lang: str, described: bool, pngs: list[Path], tmp: Path) -> None:
    name = f"likeverdige-synstolket-{lang}" if described else f"likeverdige-{lang}"
    audio: list[tuple[Path | None, float]] = []
    cues, t, durations = [], 0.0, []
    for i, slide in enumerate(SLIDES):
        start = t
        lines = (slide[lang]["see"] if described else []) + slide[lang]["say"]
        for j, text in enumerate(lines):
            voice = VOICES[lang]["describer" if described and j < len(slide[lang]["see"]) else "narrator"]
            wav = tmp / f"{name}-{i}-{j}.wav"
            secs = speak(text, voice, wav)
            cues.append((t, t + secs, text))
            audio += [(wav, secs), (None, GAP)]
            t += secs + GAP
        audio.append((None, SLIDE_TAIL))
        t += SLIDE_TAIL
        durations.append(t - start)
    join_audio(audio, tmp / f"{name}.wav")
    listing = "".join(f"file '{p}'\nduration {d:.3f}\n" for p, d in zip(pngs, durations))
    listing += f"file '{pngs[-1]}'\n"          # the concat demuxer needs the last file twice
    (tmp / f"{name}.txt").write_text(listing, encoding="utf-8")
    run("ffmpeg", "-y", "-f", "concat", "-safe", "0", "-i", str(tmp / f"{name}.txt"),
        "-i", str(tmp / f"{name}.wav"), "-vf", "fps=5,format=yuv420p",
        "-c:v", "libx264", "-preset", "veryslow", "-tune", "stillimage", "-crf", "32",
        "-c:a", "aac", "-ar", "16000", "-b:a", "16k", "-ac", "1", "-shortest",
        "-movflags", "+faststart", "-map_metadata", "-1", str(HERE / f"{name}.mp4"))
    vtt = ["WEBVTT", ""]
    for n, (a, b, text) in enumerate(cues, 1):
        vtt += [str(n), f"{stamp(a)} --> {stamp(b)}", text, ""]
    (HERE / f"{name}.vtt").write_text("\n".join(vtt), encoding="utf-8")


def interview(lang: str, tmp: Path) -> None:
    audio: list[tuple[Path | None, float]] = []
    for n, (who, text) in enumerate(INTERVIEW[lang]):
        wav = tmp / f"intervju-{lang}-{n}.wav"
        secs = speak(text, VOICES[lang]["interviewer" if who == "I" else "guest"], wav)
        audio += [(wav, secs), (None, 0.6)]
    join_audio(audio, tmp / f"intervju-{lang}.wav")
    run("ffmpeg", "-y", "-i", str(tmp / f"intervju-{lang}.wav"), "-c:a", "aac", "-ar", "16000", "-b:a", "16k",
        "-ac", "1", "-movflags", "+faststart", "-map_metadata", "-1", str(HERE / f"intervju-{lang}.m4a"))


def main(argv: list[str]) -> int:
    langs = argv or list(LANGS)
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown:
        print(f"make_media: no text for {', '.join(unknown)}; the languages are {', '.join(LANGS)}", file=sys.stderr)
        return 2
    for tool in ("ffmpeg", "espeak-ng"):
        if not shutil.which(tool):
            print(f"make_media: {tool} is not installed (apt-get install -y ffmpeg espeak-ng)", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for lang in langs:
            pngs = []
            for i, slide in enumerate(SLIDES):
                pngs.append(tmp / f"slide-{lang}-{i}.png")
                slide_png(slide, lang, pngs[-1], tmp)
            shutil.copy(pngs[0], HERE / ("likeverdige-plakat-en.png" if lang == "en" else "likeverdige-plakat.png"))
            film(lang, False, pngs, tmp)
            film(lang, True, pngs, tmp)
            interview(lang, tmp)
    for p in sorted(HERE.glob("likeverdige*")) + sorted(HERE.glob("intervju*")):
        print(f"{p.stat().st_size:>8}  {p.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
