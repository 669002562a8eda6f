"""Synthetic courses for the benchmark: deterministic text, questions of every kind, random media.

The same arguments always give the same course, byte for byte (text from a seeded generator,
media from os.urandom but with fixed names and sizes: random bytes are what a film or photo is
to a compressor). Media are written in 1 MB chunks, so making a 200 MB course takes little memory.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

MB = 1024 * 1024
# Words for the generated prose: Norwegian-looking, of the lengths a real course page has.
WORDS = {
    "nb": """likestilling tjenesten offentlige virksomheten arbeidsgiver ansatte innbyggere loven plikt
        aktivitetsplikten redegjørelse diskriminering grunnlag kjønn alder etnisitet religion livssyn
        funksjonsnedsettelse tilrettelegging tolk språk informasjon nettsiden skjema møte vedtak klage
        ombudet nemnda veiledning kartlegging analyse tiltak mål plan evaluering resultat rutine
        kunnskap erfaring brukere behov hindringer muligheter hverdagen kommunen staten fylket og i på
        for med som at det er en et til av de har kan skal må ikke også når hvordan hva hvem derfor
        fordi eller men alle mange noen flere mindre bedre viktig tydelig enkel lik rettferdig""".split(),
    "nn": """likestilling tenesta offentlege verksemda arbeidsgivar tilsette innbyggjarar lova plikt
        aktivitetsplikta utgreiing diskriminering grunnlag kjønn alder etnisitet religion livssyn
        funksjonsnedsetjing tilrettelegging tolk språk informasjon nettsida skjema møte vedtak klage
        ombodet nemnda rettleiing kartlegging analyse tiltak mål plan evaluering resultat rutine
        kunnskap erfaring brukarar behov hindringar moglegheiter kvardagen kommunen staten fylket og i
        på for med som at det er ein eit til av dei har kan skal må ikkje òg når korleis kva kven
        difor fordi eller men alle mange nokre fleire mindre betre viktig tydeleg enkel lik rettferdig""".split(),
}
ALERTS = ("NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION")
KINDS = ("single", "multiple", "true-false", "matching", "ordering", "fill-in", "numeric", "likert")
MEDIA_KINDS = (("bilde", ".jpg"), ("foto", ".png"), ("film", ".mp4"), ("dokument", ".pdf"))


def make_course(root: Path, *, name: str, pages: int, questions: int, langs: tuple[str, ...],
                media_mb: int = 0, media_files: int = 0, seed: int = 13) -> Path:
    """Write a course of `pages` pages per language with `questions` questions spread over them
    (the last few on a scored test page) and `media_mb` MB of media in `media_files` files."""
    course = root / name
    course.mkdir(parents=True)
    media = _write_media(course / "media", media_mb, media_files)
    entries = [f"{i + 1:04d}-side.md" for i in range(pages)]
    test_questions = min(10, questions // 3) if pages > 1 else 0
    where = _spread(questions - test_questions, pages - (1 if test_questions else 0))
    per_module = 20
    modules = []
    for m in range(0, pages, per_module):
        titles = ", ".join(f"{lang}: Del {m // per_module + 1}" for lang in langs)
        modules.append(f"  - id: del-{m // per_module + 1}\n    title: {{{titles}}}\n"
                       f"    pages: [{', '.join(entries[m:m + per_module])}]")
    langmap = ", ".join(f"{lang}: Kurs {name}" for lang in langs)
    (course / "course.yaml").write_text(
        f"id: {name}\nversion: 1.0.0\nlanguages: [{', '.join(langs)}]\ntitle: {{{langmap}}}\n"
        f"description: {{{', '.join(f'{lang}: Et generert kurs for å måle byggetid.' for lang in langs)}}}\n"
        f"mastery_score: 80\ncompletion: {{pages: 100, test: {'passed' if test_questions else 'none'}}}\n"
        "modules:\n" + "\n".join(modules) + "\n", encoding="utf-8")
    for lang in langs:
        (course / lang).mkdir()
        rng = random.Random(f"{seed}-text")  # the same structure in every language: only the words differ
        number = 0
        for i, entry in enumerate(entries):
            is_test = bool(test_questions) and i == pages - 1
            count = test_questions if is_test else where[i]
            ids = [f"q-{number + k + 1:04d}" for k in range(count)]
            number += count
            text = _page(rng, WORDS[lang], i, entries, media, ids, is_test)
            (course / lang / entry).write_text(text, encoding="utf-8")
    return course


def edit_page(course: Path, variant: int) -> Path:
    """Change one sentence of one page (a typical save while writing); a new file, not an edit in
    place, so that hard-linked copies of the course keep their own text."""
    lang = sorted(p.name for p in course.iterdir() if p.is_dir() and p.name != "media" and not p.name.startswith("."))[0]
    page = sorted((course / lang).glob("*.md"))[0]
    text = page.read_text(encoding="utf-8")
    marker = "\n\nEndret i lagring nummer "
    text = text.split(marker)[0] + f"{marker}{variant}.\n"
    page.unlink()
    page.write_text(text, encoding="utf-8")
    return page


def _spread(total: int, slots: int) -> list[int]:
    """`total` questions over `slots` pages, evenly, in page order."""
    if slots <= 0:
        return [0]
    return [(total * (i + 1)) // slots - (total * i) // slots for i in range(slots)] + [0]


def _write_media(folder: Path, megabytes: int, count: int) -> list[str]:
    """`count` files of incompressible bytes, `megabytes` in all, named by kind and number."""
    if not megabytes or not count:
        return []
    folder.mkdir()
    names = []
    sizes = [(megabytes * MB * (i + 1)) // count - (megabytes * MB * i) // count for i in range(count)]
    for i, size in enumerate(sizes):
        stem, suffix = MEDIA_KINDS[i % len(MEDIA_KINDS)]
        name = f"{stem}-{i + 1:03d}{suffix}"
        with open(folder / name, "wb") as f:
            while size > 0:
                chunk = min(size, MB)
                f.write(os.urandom(chunk))
                size -= chunk
        names.append(name)
    return names


def _sentence(rng: random.Random, words: list[str], n: int = 0) -> str:
    n = n or rng.randint(8, 18)
    s = " ".join(rng.choice(words) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def _paragraph(rng: random.Random, words: list[str], sentences: int) -> str:
    return " ".join(_sentence(rng, words) for _ in range(sentences))


def _page(rng: random.Random, words: list[str], i: int, entries: list[str], media: list[str],
          ids: list[str], is_test: bool) -> str:
    """About 450 words: headings, paragraphs with emphasis and links, a list, a table, an alert,
    sometimes an image or a link to a film or a PDF, then the page's questions."""
    title = _sentence(rng, words, 4)[:-1]
    parts = [f"---\ntitle: {title}\n" + ("test: true\n" if is_test else "") + "---"]
    parts.append(_paragraph(rng, words, 4).replace(".", " med **uthevet tekst**.", 1))
    nxt = entries[(i + 1) % len(entries)]
    parts.append(f"{_sentence(rng, words)} Les mer på [neste side]({nxt}) og hos "
                 f"[Bufdir](https://www.bufdir.no/side-{i}) eller [Lovdata](https://lovdata.no/{i}).")
    parts.append(f"## {_sentence(rng, words, 3)[:-1]}")
    parts.append(_paragraph(rng, words, 5))
    parts.append("\n".join(f"- {_sentence(rng, words, rng.randint(3, 8))}" for _ in range(5)))
    parts.append(_paragraph(rng, words, 4))
    parts.append("| Hva | Hvem | Når |\n|---|---|---|\n" + "\n".join(
        f"| {_sentence(rng, words, 3)} | {_sentence(rng, words, 2)} | {rng.randint(1, 12)}. mars |" for _ in range(4)))
    parts.append(f"> [!{ALERTS[i % len(ALERTS)]}]\n> {_sentence(rng, words)} {_sentence(rng, words)}")
    if media:
        name = media[i % len(media)]
        if name.endswith((".jpg", ".png")):
            parts.append(f"![{_sentence(rng, words, 6)[:-1]}](../media/{name})")
        else:
            parts.append(f"Se [{_sentence(rng, words, 3)[:-1]}](../media/{name}) for mer.")
    parts.append(f"## {_sentence(rng, words, 3)[:-1]}")
    parts.append("1. " + "\n2. ".join(_sentence(rng, words, 6) for _ in range(3)))
    parts.append(_paragraph(rng, words, 6))
    parts.append(_paragraph(rng, words, 5))
    for n, qid in enumerate(ids):
        kinds = KINDS[:5] if is_test else KINDS  # a test counts: no likert there
        parts.append(_question(rng, words, qid, kinds[(int(qid[2:]) + n) % len(kinds)]))
    return "\n\n".join(parts) + "\n"


def _question(rng: random.Random, words: list[str], qid: str, kind: str) -> str:
    """A ```question block of `kind` (its structure is the same in every language)."""
    prompt = _sentence(rng, words, 10)[:-1] + "?"
    lines = ["```question", f"id: {qid}", f"kind: {kind}", f"prompt: {prompt}"]
    if kind in ("single", "multiple"):
        lines.append("options:")
        for k in range(4):
            lines.append(f"  - text: {_sentence(rng, words, 5)[:-1]}")
            if k == 1 or (kind == "multiple" and k == 3):
                lines.append("    correct: true")
    elif kind == "true-false":
        lines.append("correct: true")
    elif kind == "matching":
        lines.append("pairs:")
        for k in range(3):
            lines.append(f"  - left: {_sentence(rng, words, 3)[:-1]} {k}")
            lines.append(f"    right: {_sentence(rng, words, 3)[:-1]} {k}")
    elif kind == "ordering":
        lines.append("items: [" + ", ".join(f"Steg {k} {rng.choice(words)}" for k in range(1, 5)) + "]")
    elif kind == "fill-in":
        lines += ["answers: [likestilling, likestillingen]", "max_length: 16"]
    elif kind == "numeric":
        lines += [f"answer: {int(qid[2:]) % 97 + 1}", "tolerance: 0.5"]
    elif kind == "likert":
        lines.append("scale: [Svært usikker, Usikker, Trygg, Svært trygg]")
    lines.append(f"explanation: {_sentence(rng, words, 8)}")
    lines.append("```")
    return "\n".join(lines)
