"""Issue 11 item 10: TCVN3 and VNI pages are recognised before the windows-1258 fallback. The same
paragraph is rendered into TCVN3 and VNI-Windows bytes by tests/legacy_vietnamese.py (the tables
documented in tests/data/crawlers/legacy_vietnamese, see PROVENANCE.md there) and decoded as a page."""

from __future__ import annotations

import pytest

from crawlers.decode import decode_html
from tests.legacy_vietnamese import to_tcvn3, to_vni

PARAGRAPH = (
    "Thừa Thiên Huế: mưa lũ làm ngập nhiều tuyến đường ở thành phố Huế, người dân các xã ven sông Hương "
    "đã được sơ tán an toàn; tỉnh yêu cầu các đơn vị trực 24/24 giờ và báo cáo kịp thời."
)
PAGE = "<html><head><title>Tin tức</title></head><body><p>{}</p></body></html>"


def test_the_renderings_are_really_legacy_bytes() -> None:
    assert to_tcvn3("Thừa Thiên Huế") == b"Th\xf5a Thi\xaan Hu\xd5"
    assert to_vni("Thừa Thiên Huế") == b"Th\xf6\xf8a Thie\xe2n Hue\xe1"  # "Thöøa Thieân Hueá"
    assert to_vni("mưa lũ") == b"m\xf6a lu\xf5"
    assert to_tcvn3("HUẾ ĐƯỜNG") == b"HU\xd5 \xa7\xa6\xeaNG"  # a toned capital takes the lower-case byte
    assert to_vni("HUẾ ĐƯỜNG", "letter") == b"HUE\xc1 \xd1\xd6\xd4\xd8NG"  # "HUEÁ ÑÖÔØNG"
    assert to_vni("Ị Ỉ", "letter") == b"\xd2 \xc6"


@pytest.mark.parametrize(
    ("render", "content_type", "codec"),
    [
        (to_tcvn3, None, "tcvn3"),
        (to_tcvn3, "text/html; charset=iso-8859-1", "tcvn3"),
        (to_vni, None, "vni"),
        (to_vni, "text/html; charset=windows-1258", "vni"),
    ],
)
def test_tcvn3_and_vni_pages_read_as_the_same_paragraph(render, content_type, codec) -> None:  # type: ignore[no-untyped-def]
    body = render(PAGE.format(PARAGRAPH))
    text, used = decode_html(body, content_type)
    assert used == codec
    assert PARAGRAPH in text


def test_a_windows_1258_page_still_reads_as_windows_1258() -> None:
    from tests.crawlers.hostile import encode_cp1258

    text, used = decode_html(encode_cp1258(PAGE.format(PARAGRAPH)), None)
    assert used == "cp1258" and PARAGRAPH in text


@pytest.mark.parametrize(
    "headline",
    [  # real headlines (tests/data/crawlers fixtures) that the crawler's old list of 38 words read as cp1258
        "Đột nhập vào phòng ngủ để ăn cướp",
        "Cá nhảy múa để tránh bị xơi",
        "Văn Quyến trở lại đội tuyển quốc gia",
    ],
)
@pytest.mark.parametrize(("render", "codec"), [(to_tcvn3, "tcvn3"), (to_vni, "vni")])
def test_a_short_legacy_headline_is_told_from_windows_1258_by_nlps_common_words(
    render, codec, headline
) -> None:  # type: ignore[no-untyped-def]
    text, used = decode_html(render(PAGE.format(headline)), None)
    assert used == codec and headline in text
