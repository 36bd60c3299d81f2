"""`python -m bookings certificates`: one readable, tagged A4 PDF per delegate; attendance limits them; --send once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.backoffice.conftest import EVENT
from tests.backoffice.dayof import AFTER, BEFORE, TEAMS, ZOOM, Office

TITLE = "Information Sharing & The Police: Caldicott Principles and Sharing Between Police and Health Services"
SUBJECT = "Your CPD certificate:"


@pytest.fixture
def office(booking_store, store_environ, smtp, far_fees, tmp_path):
    return Office(booking_store, store_environ, smtp, far_fees, tmp_path / "site")


def _booked(office: Office, tag: str, *names: str) -> str:
    return office.card(office.make(list(names), tag))


def _text(path: Path) -> str:
    return " ".join(PdfReader(path).pages[0].extract_text().split())


@pytest.fixture
def booked(office):
    """Three paid bookings (one then refunded in full, one with a delegate substituted) in four scripts, and
    bookings that never came to be (unpaid, lapsed)."""
    first = _booked(office, "-a", "Zoë Ðurić-O’Brien", "Αλέξανδρος Παπαδόπουλος")
    cancelled = _booked(office, "-b", "Cancelled Person")
    third = _booked(office, "-c", "Анна Каренина", "Replaced Person")
    office.card(office.make(["Never Paid"], "-unpaid"), pay=False)
    office.expired(office.make(["Lapsed Checkout"], "-lapsed"))
    office.refund(cancelled)
    office.substitute(third, 1, "محمد عبد الله", "mohammed@nhs.net")
    return first, third


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


def test_chinese_japanese_and_korean_names_are_set_in_the_cjk_font(office, tmp_path):
    made = _booked(office, "-k", "王小明", "김민준")
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out))

    assert result.status == 0, result.err
    for number, name in ((1, "王小明"), (2, "김민준")):
        path = out / f"certificate-{made}-{number:02d}.pdf"
        # pypdf reads the CJK font's two-byte codes with a NUL before each character (its ToUnicode map is right).
        assert name in _text(path).replace("\x00", "")
        fonts = {str(f.get_object()["/BaseFont"]) for f in PdfReader(path).pages[0]["/Resources"]["/Font"].values()}
        assert any(font.endswith("+NotoSansCJKJP") for font in fonts)


def test_a_name_no_embedded_font_can_draw_is_reported_by_name_and_gets_no_empty_boxes(office, tmp_path):
    made = _booked(office, "-z", "አበበ ቢቂላ", "Priya Shah")
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out))

    assert result.status == 1
    assert f"no certificate for አበበ ቢቂላ <delegate1-z@nhs.net> ({made}, delegate 1)" in result.err
    assert "no embedded font has አ በ ቢ ቂ ላ" in result.err
    assert [p.name for p in out.iterdir()] == [f"certificate-{made}-02.pdf"]


@pytest.mark.parametrize(
    ("report", "encoding"),
    [(ZOOM, "utf-8-sig"), (TEAMS, "utf-16")],
    ids=["zoom", "teams"],
)
def test_an_attendance_report_limits_certificates_to_those_who_came(office, tmp_path, report, encoding):
    came = _booked(office, "-x", "Priya Shah", "Stayed Away")
    _booked(office, "-y", "Also Away")
    report_path = tmp_path / "attendance.csv"
    report_path.write_bytes(report.encode(encoding))
    # The report's Priya is this booking's delegate (matched by e-mail, whatever its case).
    came_too = office.card(office.make(["Priya Shah"], "-w", emails=["priya.shah@nhs.net"]))
    out = tmp_path / "certificates"

    result = office.run("certificates", EVENT, "--output", str(out), "--attended", str(report_path))

    assert result.status == 0, result.err
    assert [p.name for p in out.iterdir()] == [f"certificate-{came_too}-01.pdf"]
    assert came not in result.out
    assert "1 delegates attended, 3 booked but not in the attendance report" in result.err
    stranger = "zoe.duric@nhs.net" if report is ZOOM else "juergen@xn--mnchen-3ya.de"
    assert f"attended but not a delegate of {EVENT}:" in result.err and stranger in result.err
    assert "host@events.example.org" not in result.err


def test_send_emails_each_delegate_their_certificate_once(office, booked, tmp_path):
    first, _ = booked
    out = tmp_path / "certificates"

    once = office.run("certificates", EVENT, "--output", str(out), "--send", now=AFTER)

    assert once.status == 0, once.err
    assert once.out.splitlines()[-1] == "sent 4, refused 0, waiting 0, already had them 0, skipped (cancelled) 1"
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
    assert f"certificate number {first}-01" in zoe.text
    (alexandros,) = [m for m in mails if m.rcpt_tos == ["delegate2-a@nhs.net"]]
    assert f"certificate number {first}-02" in " ".join(alexandros.text.split())
    assert office.record(first).certificate_sent == {0, 1}

    twice = office.run("certificates", EVENT, "--output", str(out), "--send", now=AFTER)

    assert twice.out.splitlines()[-1] == "sent 0, refused 0, waiting 0, already had them 4, skipped (cancelled) 1"
    assert len(office.mail(SUBJECT)) == 4


def test_certificates_for_those_who_came_only_and_the_rest_later_if_they_did(office, tmp_path):
    came = office.card(office.make(["Priya Shah", "Stayed Away"], "-v", emails=["priya.shah@nhs.net", "x@nhs.net"]))
    report_path = tmp_path / "attendance.csv"
    report_path.write_bytes(ZOOM.encode("utf-8-sig"))
    out = tmp_path / "certificates"

    result = office.run(
        "certificates", EVENT, "--output", str(out), "--attended", str(report_path), "--send", now=AFTER
    )

    assert result.status == 0, result.err
    assert result.out.splitlines()[-1] == "sent 1, refused 0, waiting 0, already had them 0, skipped (cancelled) 0"
    assert [m.rcpt_tos for m in office.mail(SUBJECT)] == [["priya.shah@nhs.net"]]
    assert office.record(came).certificate_sent == {0}
    everyone = office.run("certificates", EVENT, "--output", str(out), "--send", now=AFTER)
    assert everyone.out.splitlines()[-1] == "sent 1, refused 0, waiting 0, already had them 1, skipped (cancelled) 0"


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
