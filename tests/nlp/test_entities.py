"""Entity extraction: gazetteer (diacritic- and case-aware) and capitalisation heuristics."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.entities import extract_entities


def by_type(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for entity in extract_entities(text):
        out.setdefault(entity["type"], set()).add(entity["text"])
    return out


def test_gazetteer_places_and_agencies_with_canonical_names() -> None:
    found = by_type(
        "UBND thành phố Huế yêu cầu các phường Phú Xuân, Thuận Hóa ứng phó mưa lớn trên sông Hương."
    )
    assert "UBND TP Huế" in found["ORG"]
    assert {"Phú Xuân", "Thuận Hóa", "sông Hương"} <= found["LOC"]


def test_titles_introduce_people() -> None:
    found = by_type("Ông Lê Trí Thanh cho biết bà Nguyễn Thị Phương Thảo và Đại tá Đặng Ngọc Sơn đã có mặt.")
    assert {"Lê Trí Thanh", "Nguyễn Thị Phương Thảo", "Đặng Ngọc Sơn"} <= found["PER"]


def test_organisation_heads_and_places_by_head_word() -> None:
    found = by_type("Công ty CP Du lịch Hương Giang khai trương tour mới ở xã Phong Sơn.")
    assert "Công ty CP Du lịch Hương Giang" in found["ORG"]
    assert "Phong Sơn" in found["LOC"]


def test_diacritics_and_case_must_match() -> None:
    assert by_type("trời hôm nay ở huế đẹp") == {}
    assert "LOC" not in by_type("bông hoa huệ, ông Huê")
    assert extract_entities("Sông Hương") == [
        {"text": "sông Hương", "type": "LOC", "normalized": "song huong"}
    ]


def test_distinct_entities_with_folded_normalized_form() -> None:
    entities = extract_entities("Huế mưa. TP Huế lại mưa. Thành phố Huế ngập.")
    assert entities == [{"text": "Huế", "type": "LOC", "normalized": "hue"}]


def test_empty_text() -> None:
    assert extract_entities("") == []


def test_names_do_not_cross_lines_or_prepositions_and_need_capitalised_org_heads() -> None:
    assert by_type("Cuộc gặp bên dòng sông Hương\nTháng 8 năm nay") == {"LOC": {"sông Hương"}}
    found = by_type("Những công trình: trường Cách mạng, trường Norodom ở TP HCM")
    assert "ORG" not in found and found["LOC"] == {"TP HCM"}


def test_dotted_abbreviations_match_the_gazetteer() -> None:
    found = by_type("Nam sinh TP.Huế nhận thưởng, UBND TP.Huế khen thưởng")
    assert found == {"LOC": {"Huế"}, "ORG": {"UBND TP Huế"}}


def test_a_sentence_end_stops_a_name_but_an_abbreviation_dot_does_not() -> None:
    text = "Xe dừng ở đường Hồ Chí Minh. Theo đó, sở họp tại TP. Đà Nẵng."
    names = {entity["text"] for entity in extract_entities(text)}
    assert not any("Theo" in name for name in names), names
    assert any(name.endswith("Đà Nẵng") for name in names), names


def test_huế_aliases_resolve_to_one_place() -> None:
    text = "Huế mưa lớn. TP Huế ngập. Thành phố Huế sơ tán dân, tỉnh Thừa Thiên Huế cũ và TT-Huế."
    assert extract_entities(text) == [{"text": "Huế", "type": "LOC", "normalized": "hue"}]


def test_an_agency_qualified_by_another_city_is_not_huếs() -> None:
    found = by_type("Sở Y tế Hà Nội cảnh báo sốt xuất huyết; UBND TP Đà Nẵng họp khẩn.")
    assert found["ORG"] == {"Sở Y tế Hà Nội", "UBND TP Đà Nẵng"}
    assert by_type("Sở Y tế yêu cầu các bệnh viện")["ORG"] == {"Sở Y tế TP Huế"}
    assert by_type("Sở Y tế Huế yêu cầu")["ORG"] == {"Sở Y tế TP Huế"}


def test_pronouns_and_common_words_are_never_entities() -> None:
    assert by_type("Anh nói tiếng Anh rất giỏi, anh Đức cho biết.") == {}
    assert by_type("Bộ Văn hóa cho biết") == {}
    found = by_type("Tuyển Đức thắng Pháp, Tây Ban Nha hòa Vương quốc Anh")
    assert found == {"LOC": {"Đức", "Pháp", "Tây Ban Nha", "Vương quốc Anh"}}


def test_gazetteer_names_and_acronyms_stop_at_a_sentence_end() -> None:
    assert by_type("Mưa ở Thừa Thiên. Huế ngập")["LOC"] == {"Huế"}
    names = {e["text"] for e in extract_entities("CLB Becamex TP.HCM. Với 3 điểm, đội bóng")}
    assert names == {"CLB Becamex TP.HCM"}


def test_officials_after_their_title_and_agency() -> None:
    found = by_type(
        "Chủ tịch UBND TP Huế Nguyễn Văn Phương và Giám đốc Sở Nông nghiệp và Môi trường Quảng Trị"
    )
    assert found["PER"] == {"Nguyễn Văn Phương"}
    assert found["ORG"] == {"UBND TP Huế", "Sở Nông nghiệp và Môi trường Quảng Trị"}


def test_an_administrators_gazetteer_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    from nlp.entities import use_gazetteer
    from nlp.errors import NlpError

    own = tmp_path / "gazetteer.toml"
    own.write_text(
        '[ORG]\n"Trung tâm Giám sát điều hành đô thị thông minh Huế" = ["Trung tâm IOC Huế", "IOC Huế"]\n'
        '[STOP]\nwords = ["Anh"]\n',
        encoding="utf-8",
    )
    try:
        use_gazetteer(own)
        found = extract_entities("IOC Huế cảnh báo; Trung tâm IOC Huế họp.")
        assert [(e["type"], e["text"]) for e in found] == [
            ("ORG", "Trung tâm Giám sát điều hành đô thị thông minh Huế")
        ]
        with pytest.raises(NlpError, match=r"nlp\.gazetteer_file"):
            use_gazetteer(tmp_path / "missing.toml")
    finally:
        use_gazetteer(None)
    assert by_type("Huế mưa")["LOC"] == {"Huế"}
