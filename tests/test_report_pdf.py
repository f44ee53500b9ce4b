"""The report and the minutes printed to PDF by real headless Chromium (Debian's, through Playwright).

Each example case, and a sample of the literature cases, is printed with and without its
appendix: the report proper is one or two A4 pages, every page carries the running header and
"page N of M", the appendix starts on a page of its own after them, and nothing that could
identify the patient is printed. The text is read back from the PDF itself (a small reader of
Chromium's output below: its pages' text runs through their fonts' ToUnicode maps), not from
the HTML. ``make setup`` installs Chromium; these tests fail rather than skip when it is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import zlib
from pathlib import Path

import pytest

from clinical.meeting.minutes import to_html
from clinical.meeting.records import Consensus
from clinical.meeting.store import CaseItem, open_store
from kg.knowledge import knowledge
from ontology.paths import shared_dir
from ui.cases import EXAMPLES_DIR, plan_case
from ui.cli import main
from ui.pdf import chromium_path, html_to_pdfs, page_count
from ui.report import report_html

FIXTURES = Path(__file__).parent / "fixtures"
#: The literature cases printed too: every third, and the longest (rv-05: a venous sampling of
#: ten veins, three operations, two warnings).
SAMPLE = [
    f
    for i, f in enumerate(sorted((FIXTURES / "set_cases").glob("sc-*.json")) + sorted(
        (FIXTURES / "review_cases").glob("rv-*.json")))
    if i % 3 == 0 or f.name.startswith("rv-05")
]  # fmt: skip
#: The shared folder's cases too (the contract's examples; the same as ui/examples today, so only
#: a case found there alone is added).
SHARED = [
    f
    for f in sorted((shared_dir() / "cases").glob("*.json"))
    if f.name != "expected.json" and not (EXAMPLES_DIR / f.name).exists()  # not the answer key
]
CASE_FILES = sorted(EXAMPLES_DIR.glob("ex-*.json")) + SHARED + SAMPLE
#: Text a case's title and note carry in the privacy test: none of it may reach the paper.
PRIVATE = ("Jane Example", "Ward 7B", "born 1961")


# ------------------------------------------------------------------ reading Chromium's PDF text

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_RUN = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\b(ET|Td|TD|Tm|T\*)\b")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    out = {}
    for m in _OBJ.finditer(pdf):
        body, stream = m.group(2), b""
        s = re.search(rb"stream\r?\n", body)
        if s:
            raw = body[s.end() : body.rindex(b"endstream")]
            stream = zlib.decompress(raw) if b"/FlateDecode" in body[: s.start()] else raw
            body = body[: s.start()]
        out[int(m.group(1))] = (body, stream)
    return out


def _unicode_map(cmap: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(int(dst, 16) + i)
    return table


def _fonts(body: bytes, objs: dict[int, tuple[bytes, bytes]]) -> dict[bytes, dict[int, str]]:
    m = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
    out = {}
    for font, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", m.group(1) if m else b""):
        tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs[int(num)][0])
        out[font] = _unicode_map(objs[int(tu.group(1))][1]) if tu else {}
    return out


def _runs(stream: bytes, fonts: dict[bytes, dict[int, str]]) -> str:
    font: dict[int, str] = {}
    text = []
    for m in _RUN.finditer(stream):
        if m.group(1):
            font = fonts.get(m.group(1), {})
        elif m.group(2) is not None:
            hx = m.group(2).decode()
            text.append("".join(font.get(int(hx[i : i + 4], 16), "") for i in range(0, len(hx), 4)))
        else:
            text.append(" ")
    return "".join(text)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with every space removed (Chromium places glyph runs one by one)."""
    objs = _objects(pdf)
    pages = []
    for body, _ in (objs[n] for n in sorted(objs)):
        if not re.search(rb"/Type\s*/Page(?![A-Za-z])", body):
            continue
        text = []
        contents = re.search(rb"/Contents\s+(\d+) 0 R", body)
        if contents:
            text.append(_runs(objs[int(contents.group(1))][1], _fonts(body, objs)))
        xo = re.search(rb"/XObject\s*<<(.*?)>>", body, re.S)
        for _, ref in re.findall(rb"/(\w+)\s+(\d+) 0 R", xo.group(1) if xo else b""):
            xbody, xstream = objs[int(ref)]
            if b"/Form" in xbody:
                text.append(_runs(xstream, _fonts(xbody, objs)))
        pages.append(squeeze(unicodedata.normalize("NFKC", "".join(text))))  # "ﬁ" ligatures -> "fi"
    return pages


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ the reports, printed once


@pytest.fixture(scope="module")
def printed() -> dict[str, tuple[bytes, bytes, dict]]:
    """case id -> (PDF without the appendix, PDF with it, plan), every case in one browser."""
    assert chromium_path().exists(), f"{chromium_path()} is missing: `make setup` installs Debian's chromium"
    kn = knowledge()
    pages, keys = [], []
    for f in CASE_FILES:
        case = json.loads(f.read_text(encoding="utf-8"))
        plan = plan_case(case).plan
        assert plan is not None, f.name
        pages += [report_html(case, plan, kn, appendix=False), report_html(case, plan, kn)]
        keys.append((str(case["id"]), plan))
    pdfs = html_to_pdfs(pages)
    return {cid: (pdfs[2 * i], pdfs[2 * i + 1], plan) for i, (cid, plan) in enumerate(keys)}


def test_every_report_is_one_or_two_a4_pages(printed: dict[str, tuple[bytes, bytes, dict]]) -> None:
    counts = {cid: page_count(short) for cid, (short, _, _) in printed.items()}
    assert len(counts) >= 25
    assert all(1 <= n <= 2 for n in counts.values()), {c: n for c, n in counts.items() if n > 2}
    short, _, _ = printed["ex-04-missing-left-inferior"]
    assert re.search(rb"/MediaBox\s*\[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]", short)  # A4 in points


def test_every_page_has_the_header_and_page_n_of_m(printed: dict[str, tuple[bytes, bytes, dict]]) -> None:
    for cid, (short, full, plan) in printed.items():
        for pdf in (short, full):
            texts = page_texts(pdf)
            assert len(texts) == page_count(pdf)
            for n, text in enumerate(texts, start=1):
                assert squeeze(f"reoperation plan · case {cid}") in text, (cid, n)
                assert squeeze(f"page {n} of {len(texts)}") in text, (cid, n)
                assert squeeze(f"ontology {plan['ontology_version']}") in text


def test_the_appendix_follows_on_its_own_pages(printed: dict[str, tuple[bytes, bytes, dict]]) -> None:
    for cid, (short, full, _) in printed.items():
        main_pages, texts = page_count(short), page_texts(full)
        assert len(texts) > main_pages, cid  # the appendix has pages of its own
        for text in texts[:main_pages]:
            assert squeeze("Appendix — why") not in text, cid
        assert squeeze("Appendix — why: the explanation chains") in texts[main_pages], cid
        assert squeeze("The board's decision") in "".join(texts[:main_pages]), cid


def test_the_printed_report_carries_no_identifier(tmp_path: Path) -> None:
    case = json.loads((EXAMPLES_DIR / "ex-04-missing-left-inferior.json").read_text(encoding="utf-8"))
    case["title"] = "Jane Example, Ward 7B, born 1961"
    case["patient"]["note"] = "Jane Example prefers mornings"
    plan = plan_case(case).plan
    assert plan is not None
    [pdf] = html_to_pdfs([report_html(case, plan, knowledge())])
    text = "".join(page_texts(pdf))
    for private in PRIVATE:
        assert squeeze(private) not in text
    # the identifier block is printed as its labels with empty lines after them
    assert squeeze("PATIENT — FILL IN AT PRINT TIME") in text  # the block's title, in capitals
    assert squeeze("NameRecordnumberDateofbirthHospital/ward") in text


def test_plan_prints_a_pdf_report_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "ex-14.pdf"
    assert main(["plan", str(EXAMPLES_DIR / "ex-14-unfit-localized.json"), "--format", "pdf", "-o", str(out),
                 "--no-appendix"]) == 0  # fmt: skip
    assert 1 <= page_count(out.read_bytes()) <= 2
    folder = tmp_path / "reports"
    folder.mkdir()
    files = [
        str(EXAMPLES_DIR / f"{c}.json") for c in ("ex-01-low-urine-calcium-family", "ex-12-negative-imaging")
    ]
    assert main(["plan", *files, "--format", "pdf", "-o", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "ex-01-low-urine-calcium-family.pdf",
        "ex-12-negative-imaging.pdf",
    ]


def test_plan_pdf_without_an_output_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(EXAMPLES_DIR / "ex-14-unfit-localized.json"), "--format", "pdf"]) == 1
    assert "-o/--output" in capsys.readouterr().err


# ------------------------------------------------------------------ the minutes


def _meeting(db: Path) -> int:
    store = open_store(str(db))
    mid = store.new_meeting(dt.date(2026, 3, 14), "Endocrine tumour board", by="chair")
    items = []
    for name in ("ex-04-missing-left-inferior", "ex-12-negative-imaging", "ex-08-hard-mass-hoarse"):
        case = json.loads((EXAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        items.append(CaseItem(case, plan_case(case).plan, "file"))
    store.add_cases(mid, items, by="chair")
    plan = store.case(mid, "ex-04-missing-left-inferior")["plan"]
    store.decide(
        mid,
        "ex-04-missing-left-inferior",
        Consensus(
            decision=plan["decision"],
            follows_plan=True,
            operation=plan["operations"][0]["operation"],
            attendees=[{"role": "surgeon", "name": "A. Lee"}, {"role": "radiologist"}],
        ),
        by="A. Lee",
    )
    store.close()
    return mid


def test_the_minutes_print_one_section_per_case_with_a_signature(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    mid = _meeting(db)
    m = open_store(str(db)).meeting(mid)
    [pdf] = html_to_pdfs([to_html(m)])
    texts = page_texts(pdf)
    whole = "".join(texts)
    for n, text in enumerate(texts, start=1):
        assert squeeze(f"page {n} of {len(texts)}") in text
        assert squeeze("Endocrine tumour board") in text
    for c in m["cases"]:
        assert squeeze(f"Case {c['case_id']}") in whole
    assert whole.count(squeeze("Signature")) == len(m["cases"])
    assert squeeze("surgeon (A. Lee), radiologist") in whole
    assert squeeze("not yet decided") in whole


def test_meeting_minutes_as_pdf_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    mid = _meeting(db)
    out = tmp_path / "minutes.pdf"
    assert main(["meeting", "--db", str(db), "minutes", str(mid), "--format", "pdf", "-o", str(out)]) == 0
    assert page_count(out.read_bytes()) >= 1
    report = tmp_path / "ex-04.pdf"
    assert main(["meeting", "--db", str(db), "report", str(mid), "ex-04-missing-left-inferior",
                 "-o", str(report)]) == 0  # fmt: skip
    text = "".join(page_texts(report.read_bytes()))
    assert squeeze("surgeon (A. Lee), radiologist") in text and squeeze("Endocrine tumour board") in text


def test_an_invalid_case_gets_no_report_and_the_others_still_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"id": "bad", "labs": [{"analyte": "pth_intact", "value": 90, "unit": "mg/dL"}]})
    )
    folder = tmp_path / "reports"
    folder.mkdir()
    good = EXAMPLES_DIR / "ex-10-low-pth-hypercalcaemia.json"
    assert main(["plan", str(bad), str(good), "--format", "html", "-o", str(folder)]) == 2
    assert [p.name for p in folder.iterdir()] == ["ex-10-low-pth-hypercalcaemia.html"]
    assert "bad.json" in capsys.readouterr().err


def test_minutes_as_pdf_need_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "m.sqlite"
    mid = _meeting(db)
    assert main(["meeting", "--db", str(db), "minutes", str(mid), "--format", "pdf"]) == 1
    assert "-o minutes.pdf" in capsys.readouterr().err
