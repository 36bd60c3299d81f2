"""The CMS at /admin/ gets its own Content-Security-Policy from netlify.toml; every other page keeps the site's."""

from __future__ import annotations

import pytest

from devtools.devserver.netlify_headers import headers_for

# The public pages' policy before the CMS existed: the CMS must not loosen it.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


@pytest.mark.parametrize(
    "path", ["/", "/events/caldicott-police-2083/", "/about/", "/theme/js/booking.js", "/administration/"]
)
def test_public_pages_keep_their_policy(path):
    headers = headers_for(path)
    assert headers["Content-Security-Policy"] == PUBLIC_CSP
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_cms_gets_only_what_decap_needs():
    headers = headers_for("/admin/")
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self' 'unsafe-eval'"  # no inline script, no other origin
    assert policy["connect-src"] == "'self' blob: https://api.github.com"
    assert policy["frame-ancestors"] == "'none'"
    # The GitHub login popup on api.netlify.com must be able to hand the token back to this page.
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert headers_for("/admin/config.yml")["Content-Type"].startswith("text/yaml")
