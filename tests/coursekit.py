"""Small valid course sources for tests, as text and dicts."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "courses" / "likestilling"

PAGE_NB = """\
---
title: Første side
---
Litt tekst med **uthevet** ord.

```question
id: q-sjekk
kind: single
prompt: Hva er riktig?
options:
  - text: Feil
  - text: Riktig
    correct: true
```
"""

TEST_NB = """\
---
title: Test
test: true
---
```question
id: t-1
kind: true-false
prompt: Sant?
correct: true
```

```question
id: t-2
kind: multiple
prompt: Velg to
options:
  - text: A
    correct: true
  - text: B
  - text: C
    correct: true
```
"""


def course_data(**overrides) -> dict:
    """A valid two-page, one-language course.yaml as a dict."""
    data = {
        "id": "demo",
        "version": "1.0.0",
        "languages": ["nb"],
        "title": {"nb": "Demokurs"},
        "description": {"nb": "Et lite kurs."},
        "mastery_score": 80,
        "completion": {"pages": 100, "test": "passed"},
        "modules": [{"id": "m1", "title": {"nb": "Del 1"}, "pages": ["01-start.md", "02-test.md"]}],
    }
    data.update(overrides)
    return data


MEDIA = Path(__file__).resolve().parent / "fixtures" / "media"

FILM_PAGE = {
    "nb": """\
---
title: Film og intervju
---
Se filmen, og hør intervjuet.

```film
id: film-velkommen
title: Velkommen til kurset
src: ../media/film.webm
poster: ../media/plakat.png
duration: 0:02
captions: ../media/film.nb.vtt
described: ../media/film-synstolket.webm
descriptions: ../media/film.nb.descriptions.vtt
transcript: |
  **Forteller:** Velkommen til kurset.

  [En tone spiller. Fargestriper og en teller.]
```

```interview
id: intervju-kari
title: Kari om tolk i møter
audio: ../media/intervju.mp3
speakers:
  - {id: ka, name: Kari Andersen, role: rådgiver i NAV}
  - {id: ih, name: Ida Hansen, role: journalist}
transcript:
  - {speaker: ih, text: Hvorfor bestiller dere tolk?}
  - {speaker: ka, text: Fordi loven krever det når det trengs for å gi forsvarlig hjelp.}
```
""",
    "nn": """\
---
title: Film og intervju
---
Sjå filmen, og høyr intervjuet.

```film
id: film-velkommen
title: Velkomen til kurset
src: ../media/film.webm
poster: ../media/plakat.png
captions: ../media/film.nn.vtt
audio_description: none
reason: Alt som blir vist i filmen, blir òg sagt.
transcript: Velkomen til kurset.
```

```interview
id: intervju-kari
title: Kari om tolk i møte
audio: ../media/intervju.mp3
speakers:
  - {id: ka, name: Kari Andersen, role: rådgjevar i NAV}
  - {id: ih, name: Ida Hansen, role: journalist}
transcript:
  - {speaker: ih, text: Kvifor bestiller de tolk?}
  - {speaker: ka, text: Fordi lova krev det når det trengst for å gje forsvarleg hjelp.}
```
""",
}


def write_media_course(root: Path, langs=("nb", "nn")) -> Path:
    """A course with a film and an interview per language (tests/fixtures/media/), then a page to move on to."""
    import shutil

    import yaml

    data = course_data(languages=list(langs), title={lang: "Mediekurs" for lang in langs},
                       description={lang: "Film og intervju." for lang in langs}, completion={"pages": 100, "test": "none"},
                       modules=[{"id": "m1", "title": {lang: "Del 1" for lang in langs}, "pages": ["01-media.md", "02-slutt.md"]}])
    del data["mastery_score"]
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(MEDIA, root / "media", dirs_exist_ok=True)
    for lang in langs:
        (root / lang).mkdir(exist_ok=True)
        (root / lang / "01-media.md").write_text(FILM_PAGE[lang], encoding="utf-8")
        (root / lang / "02-slutt.md").write_text("---\ntitle: Slutt\n---\nTakk.\n", encoding="utf-8")
    return root
