"""Built pages lose only whitespace a browser does not render: indentation, and line breaks around block-level tags."""

from __future__ import annotations

import pytest

from pelican.plugins.event_site.html_whitespace import compact


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>\n    <p>Text</p>\n  </div>\n<footer>", "<div><p>Text</p></div><footer>"),
        ('<a href="/">One</a>\n    <a href="/two">Two</a>', '<a href="/">One</a>\n<a href="/two">Two</a>'),
        ("<label>Name</label>\n  <input id=n>", "<label>Name</label>\n<input id=n>"),
        ("<p>A line\n   that wraps</p>", "<p>A line\n   that wraps</p>"),
        ("<div>\n  <pre>\n    <b>kept</b>\n</pre>", "<div><pre>\n    <b>kept</b>\n</pre>"),
        ("<textarea>\n  <i>as typed</i>\n</textarea>", "<textarea>\n  <i>as typed</i>\n</textarea>"),
        (
            '<script type="application/json">\n  {"a": "<b>"}\n</script>',
            '<script type="application/json">\n  {"a": "<b>"}\n</script>',
        ),
        ("<span>a</span>\n<span>b</span>", "<span>a</span>\n<span>b</span>"),
        ("<span>a</span>  \n\n   <span>b</span>", "<span>a</span>\n<span>b</span>"),
        ('<a href="/">One</a>    <a href="/two">Two</a>', '<a href="/">One</a> <a href="/two">Two</a>'),
        ('</div>  </fieldset>\n\n  <div class="group">', '</div></fieldset><div class="group">'),
        ('<p class="when">\n      <time>Monday</time>,\n', '<p class="when"><time>Monday</time>,\n'),
        ("<b>a</b> <p>b</p>", "<b>a</b><p>b</p>"),
    ],
    ids=[
        "blocks",
        "inline links keep a space",
        "label and input",
        "text",
        "pre",
        "textarea",
        "script",
        "inline",
        "blank lines",
        "spaces",
        "spaces around blocks",
        "after an opening block tag",
        "space before a block",
    ],
)
def test_only_whitespace_that_is_not_rendered_goes(html, expected):
    assert compact(html) == expected
