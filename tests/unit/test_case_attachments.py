"""The attachment check (hotline/cases/attachments.py): kinds by name and
first bytes, sizes, counts, safe names; every refusal names the field."""

from __future__ import annotations

import pytest

from hotline.cases.attachments import MAX_BYTES, MAX_FILES, Upload, check
from hotline.errors import InvalidRequest

PDF = b"%PDF-1.7\n" + b"x" * 100


def _refusal(uploads: list[Upload]) -> str:
    with pytest.raises(InvalidRequest) as refused:
        check(uploads)
    assert refused.value.details["field"] == "attachments"
    # One file's refusal names it in the details too (the API's clients read them).
    named = refused.value.details.get("file")
    assert named is None or named in refused.value.message
    return refused.value.message


def test_a_file_s_kind_is_its_name_and_its_first_bytes() -> None:
    (ok,) = check([Upload("reply.PDF", PDF)])
    assert (ok.filename, ok.content_type) == ("reply.PDF", "application/pdf")
    assert "not a .pdf" in _refusal([Upload("reply.pdf", b"<html>")])
    assert "not a kind" in _refusal([Upload("run.exe", b"MZ")])
    assert "UTF-8" in _refusal([Upload("note.txt", "说明".encode("gbk"))])


def test_sizes_and_counts_are_bounded() -> None:
    assert "larger than" in _refusal([Upload("big.pdf", PDF + b"x" * MAX_BYTES)])
    assert "empty" in _refusal([Upload("none.pdf", b"")])
    assert "at most" in _refusal([Upload(f"{n}.pdf", PDF) for n in range(MAX_FILES + 1)])


def test_a_refused_file_is_named_in_the_details() -> None:
    with pytest.raises(InvalidRequest) as refused:
        check([Upload("ok.pdf", PDF), Upload("reply.pdf", b"<html>")])
    assert refused.value.details == {"field": "attachments", "file": "reply.pdf"}
    with pytest.raises(InvalidRequest) as too_many:
        check([Upload(f"{n}.pdf", PDF) for n in range(MAX_FILES + 1)])
    assert too_many.value.details == {"field": "attachments"}
    assert f"({MAX_FILES + 1} given)" in too_many.value.message


def test_a_name_keeps_no_path_and_no_odd_characters() -> None:
    (ok,) = check([Upload("../../etc/照片 1;rm.png", b"\x89PNG\r\n\x1a\n...")])
    assert ok.filename == "照片_1_rm.png"
    # A form's empty file field is no file.
    assert check([Upload("", b"")]) == []
