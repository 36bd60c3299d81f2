"""`python -m bookings certificates`: one readable, tagged A4 PDF per delegate; attendance limits them; --send once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.backoffice.conftest import EVENT, booking
from tests.backoffice.dayof import AFTER, BEFORE, TEAMS, ZOOM, Office

TITLE = "Information Sharing & The Police: Caldicott Principles and Sharing Between Police and Health Services"
SUBJECT = "Your CPD certificate:"


@pytest.fixture
def office(live, tmp_path):
    return Office(live, tmp_path / "site")


def _named(tag: str, *names: str) -> dict:
    data = booking(len(names), tag=tag)
    for delegate, name in zip(data["delegates"], names, strict=True):
        delegate["name"] = name
    return data


def _text(path: Path) -> str:
    return " ".join(PdfReader(path).pages[0].extract_text().split())


@pytest.fixture
def booked(live, office):
    """Three paid bookings (one then cancelled, one with a delegate substituted) in four scripts."""
    first = live.book_card(_named("-a", "Zoë Ðurić-O’Brien", "Αλέξανδρος Παπαδόπουλος"))
    cancelled = live.book_card(_named("-b", "Cancelled Person"))
    third = live.book_card(_named("-c", "Анна Каренина", "Replaced Person"))
    office.cancel(cancelled["booking_ref"])
    office.substitute(third["booking_ref"], 1, "محمد عبد الله", "mohammed@nhs.net")
    return first["booking_ref"], third["booking_ref"]


def test_one_pdf_per_delegate_with_name_title_date_and_hours(office, booked, tmp_path):
    first, third = booked
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out))

    assert result.status == 0, result.err
    assert result.out.strip() == f"wrote 4 certificates to {out}"
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(
        f"certificate-{ref}-{n:02d}.pdf" for ref, n in ((first, 1), (first, 2), (third, 1), (third, 2))
    )
    for ref, number, name in (
        (first, 1, "Zoë Ðurić-O’Brien"),
        (first, 2, "Αλέξανδρος Παπαδόπουλος"),
        (third, 1, "Анна Каренина"),
    ):
        text = _text(out / f"certificate-{ref}-{number:02d}.pdf")
        assert name in text
        assert TITLE in text
        assert "Tuesday 14 September 2083" in text
        assert "5 hours of CPD" in text
        assert "Health IG Conferences" in text
        assert f"Certificate number {ref}-{number:02d}" in text
    assert "Replaced Person" not in " ".join(_text(p) for p in out.iterdir())


def test_each_pdf_is_a4_tagged_in_british_english_titled_and_embeds_its_fonts(office, booked, tmp_path):
    out = tmp_path / "certificates"
    office.run("certificates", EVENT, "--output", str(out))

    for path in out.iterdir():
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        page = reader.pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4 landscape
        assert root["/MarkInfo"]["/Marked"].value is True
        assert root["/Lang"] == "en-GB"
        tree = root["/StructTreeRoot"].get_object()
        (document,) = [kid.get_object() for kid in tree["/K"]]
        kinds = [kid.get_object()["/S"] for kid in document["/K"]]
        assert kinds[:2] == ["/P", "/H1"] and set(kinds) == {"/P", "/H1"}
        assert reader.metadata.title.startswith("Certificate of attendance: ")
        assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded, and subset: the name starts with six capitals and a plus
            assert re.match(r"^/[A-Z]{6}\+Noto", descriptor["/FontName"])


def test_an_arabic_name_is_set_in_the_arabic_font_and_read_out_as_letters(office, booked, tmp_path):
    _, third = booked
    out = tmp_path / "certificates"
    office.run("certificates", EVENT, "--output", str(out))

    page = PdfReader(out / f"certificate-{third}-02.pdf").pages[0]
    names = {str(f.get_object()["/BaseFont"]).split("+")[1] for f in page["/Resources"]["/Font"].values()}
    assert names == {"NotoSans", "NotoSansArabic"}
    # Shaped Arabic is drawn as joined glyphs; the name's letters travel as the element's ActualText.
    actual = "محمد عبد الله".encode("utf-16-be").hex().upper()
    assert f"/ActualText <FEFF{actual}>".encode() in page.get_contents().get_data()


def test_chinese_japanese_and_korean_names_are_set_in_the_cjk_font(live, office, tmp_path):
    made = live.book_card(_named("-k", "王小明", "김민준"))
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out))

    assert result.status == 0, result.err
    for number, name in ((1, "王小明"), (2, "김민준")):
        path = out / f"certificate-{made['booking_ref']}-{number:02d}.pdf"
        # pypdf reads the CJK font's two-byte codes with a NUL before each character (its ToUnicode map is right).
        assert name in _text(path).replace("\x00", "")
        fonts = {str(f.get_object()["/BaseFont"]) for f in PdfReader(path).pages[0]["/Resources"]["/Font"].values()}
        assert any(font.endswith("+NotoSansCJKJP") for font in fonts)


def test_a_name_no_embedded_font_can_draw_is_reported_by_name_and_gets_no_empty_boxes(live, office, tmp_path):
    made = live.book_card(_named("-z", "አበበ ቢቂላ", "Priya Shah"))
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out))

    assert result.status == 1
    assert f"no certificate for አበበ ቢቂላ <delegate1-z@nhs.net> ({made['booking_ref']}, delegate 1)" in result.err
    assert "no embedded font has አ በ ቢ ቂ ላ" in result.err
    assert [p.name for p in out.iterdir()] == [f"certificate-{made['booking_ref']}-02.pdf"]


@pytest.mark.parametrize(
    ("report", "encoding"),
    [(ZOOM, "utf-8-sig"), (TEAMS, "utf-16")],
    ids=["zoom", "teams"],
)
def test_an_attendance_report_limits_certificates_to_those_who_came(live, office, tmp_path, report, encoding):
    came = live.book_card(_named("-x", "Priya Shah", "Stayed Away"))
    live.book_card(_named("-y", "Also Away"))
    data = booking(1, tag="-w")
    data["delegates"][0].update(name="Priya Shah", email="priya.shah@nhs.net")
    report_path = tmp_path / "attendance.csv"
    report_path.write_bytes(report.encode(encoding))
    # The report's Priya is this booking's delegate (matched by e-mail, whatever its case).
    came_too = live.book_card(data)
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out), "--attended", str(report_path))

    assert result.status == 0, result.err
    assert [p.name for p in out.iterdir()] == [f"certificate-{came_too['booking_ref']}-01.pdf"]
    assert came["booking_ref"] not in result.out
    assert "1 delegates attended, 3 booked but not in the attendance report" in result.err
    stranger = "zoe.duric@nhs.net" if report is ZOOM else "juergen@xn--mnchen-3ya.de"
    assert f"attended but not a delegate of {EVENT}:" in result.err and stranger in result.err
    assert "host@events.example.org" not in result.err


def test_send_emails_each_delegate_their_certificate_once(live, office, booked, tmp_path):
    first, _ = booked
    out = tmp_path / "certificates"

    once = office.run("certificates", EVENT, "--output", str(out), "--send", now=AFTER)

    assert once.status == 0, once.err
    assert once.out.splitlines()[-1] == "sent 4, already had them 0, skipped (cancelled) 1"
    mails = office.mail(SUBJECT)
    assert sorted(a for m in mails for a in m.rcpt_tos) == [
        "delegate1-a@nhs.net",
        "delegate1-c@nhs.net",
        "delegate2-a@nhs.net",
        "mohammed@nhs.net",
    ]
    (zoe,) = [m for m in mails if m.rcpt_tos == ["delegate1-a@nhs.net"]]
    (attachment,) = list(zoe.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"certificate-{first}-01.pdf"
    assert attachment.get_content() == (out / f"certificate-{first}-01.pdf").read_bytes()
    assert "5 hours of CPD" in zoe.text and "5 hours of CPD" in zoe.html

    twice = office.run("certificates", EVENT, "--output", str(out), "--send", now=AFTER)

    assert twice.out.splitlines()[-1] == "sent 0, already had them 4, skipped (cancelled) 1"
    assert len(office.mail(SUBJECT)) == 4


def test_certificates_are_not_sent_before_the_event(office, booked, tmp_path):
    result = office.run("certificates", EVENT, "--output", str(tmp_path / "c"), "--send", now=BEFORE)

    assert result.status == 2
    assert "has not taken place yet" in result.err
    assert office.mail(SUBJECT) == []


def test_an_event_without_cpd_hours_is_refused(office, tmp_path):
    page = office.folder / "events" / f"{EVENT}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("CPD_hours: 5\n", ""), encoding="utf-8")

    result = office.run("certificates", EVENT, "--output", str(tmp_path / "c"))

    assert result.status == 2
    assert "has no CPD_hours" in result.err


def test_a_title_the_fonts_cannot_draw_stops_before_any_certificate(office, tmp_path):
    page = office.folder / "events" / f"{EVENT}.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("Title: Information Sharing", "Title: ሰላም Information Sharing", 1), encoding="utf-8")

    result = office.run("certificates", EVENT, "--output", str(tmp_path / "c"))

    assert result.status == 2
    assert "Title" in result.err and "fonts lack: ሰ ላ ም" in result.err
    assert not (tmp_path / "c").exists()
