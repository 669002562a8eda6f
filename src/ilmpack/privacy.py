"""The Content-Security-Policy every HTML file of a package carries, and the step that adds it.

A package runs inside the LMS's origin, where a learner's session lives. The policy lets a page
load only the package's own files ('self') and run no inline script or style, so nothing a course
author writes can run script there and nothing a learner does reaches a third party. It is a
<meta> element, since an LMS serves the files with its own headers; a meta policy cannot set
`frame-ancestors`, `report-uri` or `sandbox` (browsers ignore them there), so none is written.
"""

from __future__ import annotations

import re

from .errors import BuildError

# connect-src is the target's (Target.csp_connect): 'none' for SCORM 1.2, whose API is a
# JavaScript object in a parent frame; a standard that talks to a server over the network
# (xAPI's LRS) names what it must reach.
# img-src also allows data: URLs (the stylesheet's check mark is one): they are part of the file
# that names them and fetch nothing.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
          "font-src 'self'; connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'none'")
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_CHARSET = re.compile(r"<meta\s+charset\s*=\s*[\"']?[\w-]+[\"']?\s*/?>", re.I)


def content_policy(connect: str = "'none'") -> str:
    """The policy text, with `connect` as its connect-src."""
    return POLICY.format(connect=connect)


def add_policy(html: str, policy: str, name: str) -> str:
    """`html` with the policy's <meta> placed first in its <head> (after <meta charset>).

    Every HTML file of a package goes through this, whoever's template wrote it, so a course's own
    `index.html` or a block's handout page cannot leave it out. `name` is the template, for the error.
    """
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    at = _CHARSET.search(html) or _HEAD.search(html)
    if not at:
        raise BuildError(f"template '{name}' has no <head>: every HTML page of a package needs one, "
                         "for the Content-Security-Policy ilmpack puts there")
    return f"{html[:at.end()]}\n{meta}{html[at.end():]}"
