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
