"""Vietnamese in legacy 8-bit encodings (TCVN3/ABC, VNI): the one decoder of their bytes (the crawler's
`decode_tcvn3`/`decode_vni` for pages) and the repair of text mis-decoded from them or from UTF-8 read
as cp1252 (`repair_mojibake`), with the common-words count both use to tell Vietnamese from garbage.

Older provincial sites and documents converted by hand still carry text like "Thõa Thiªn HuÕ" (TCVN3
bytes shown as Latin-1) or "Thöøa Thieân Hueá" (VNI). `repair_mojibake` converts such text back to
Unicode only when the evidence is clear: the original must contain several characters that never occur
in Vietnamese (µ, ª, Ö after a lower-case letter, ø, …) and the candidate must remove most of them while
adding Vietnamese letters. Genuine Unicode Vietnamese never triggers it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# TCVN3 (TCVN 5712:1993, "ABC") byte -> Unicode letter; the byte is shown as its Latin-1 character.
_TCVN3_BYTES: dict[int, str] = {
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xA8: "ă", 0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xA9: "â", 0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xAE: "đ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xAA: "ê", 0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xAB: "ô", 0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xAC: "ơ", 0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xAD: "ư", 0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
    0xA1: "Ă", 0xA2: "Â", 0xA7: "Đ", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư",
}  # fmt: skip
_TCVN3_TABLE = {bytes([b]).decode("latin-1"): ch for b, ch in _TCVN3_BYTES.items()}
_TCVN3_LETTERS = str.maketrans(_TCVN3_TABLE)
# A toned letter's byte serves both cases; while words are judged it stands as a letter without case.
_CASELESS = "\u02bc"  # modifier letter apostrophe: a letter, neither upper nor lower case
_TCVN3_PROBE = str.maketrans(
    {char: (_CASELESS if ord(char) >= 0xB5 else letter) for char, letter in _TCVN3_TABLE.items()}
)

# VNI Windows: a vowel followed by a byte for its marks, or a byte that is a letter of its own; the bytes
# are shown as Latin-1 characters. Mark bytes come in a lower- and an upper-case set (for capitals).
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_LOWER_MARKS: dict[str, tuple[str, str]] = {
    "ù": ("", _ACUTE), "ø": ("", _GRAVE), "û": ("", _HOOK), "õ": ("", _TILDE), "ï": ("", _DOT),
    "â": (_CIRCUMFLEX, ""), "á": (_CIRCUMFLEX, _ACUTE), "à": (_CIRCUMFLEX, _GRAVE),
    "å": (_CIRCUMFLEX, _HOOK), "ã": (_CIRCUMFLEX, _TILDE), "ä": (_CIRCUMFLEX, _DOT),
    "ê": (_BREVE, ""), "é": (_BREVE, _ACUTE), "è": (_BREVE, _GRAVE),
    "ú": (_BREVE, _HOOK), "ü": (_BREVE, _TILDE), "ë": (_BREVE, _DOT),
}  # fmt: skip
_VNI_MARKS = {**_VNI_LOWER_MARKS, **{byte.upper(): marks for byte, marks in _VNI_LOWER_MARKS.items()}}
_VNI_SINGLE = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
    "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ",
}  # fmt: skip
_VNI_VOWELS = set("aeiouyAEIOUYôöÔÖ")  # the bytes mark bytes may follow (ô ö: ơ ư)
_TAKES = {_CIRCUMFLEX: "aeoAEO", _BREVE: "aA"}  # Vietnamese has â ê ô and ă, nothing else

# Latin-1 characters that do not occur in Vietnamese text: their presence is the mojibake evidence.
_FOREIGN = set("ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÄÅÆÇËÎÏÐÑÖ×ØÛÜÞßäåæçëîïñö÷øûüþÿ¡¢£¤¥¦§¨©")
_FOREIGN_RE = re.compile("[" + re.escape("".join(sorted(_FOREIGN))) + "]")
_UPPER_AFTER_LOWER = re.compile(r"(?<=[a-zà-ÿ])[À-Þ]")
_UTF8_AS_CP1252 = re.compile(r"[ÃÄÆáÂ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
# The most frequent non-ASCII syllables of Vietnamese news (VNTC): a decoded text should contain them.
_COMMON_TEXT = (
    "và có của là một các không được người đã với những công này để thể tôi ở sẽ về đó cũng đến như bị "
    "vào nhiều ông làm từ phải nhà tại lại sự hiện năm đầu chỉ nhưng trên số việc nước thành điều đồng "
    "còn động hơn định thì ngày hàng thế chính mình nhân rất mà nhất biết bạn trước cơ mới nhận vì bộ "
    "thời quốc giá chúng trường cả phát học đi đang thủ vụ khác cuộc cách họ nói dụng nên thực tình đây "
    "thông hợp đối hành lý rằng xuất nếu lên sản vẫn tính trình thấy viên giải tiền hình kết hội cùng độ "
    "bằng nào cầu đội chủ thường thị tới tiếp chức mỹ nghiệp đường tâm lần loại tế bệnh giới việt cần lớn "
    "tự yêu nhiên máy chất năng lượng bản phần mặt ngoài tư tăng cảm chưa liên ăn điểm tạo bình văn đại "
    "đề tài cô tháng chị tác vậy báo sĩ dự đấu quả trọng toàn sử thứ thương sống gì diễn trận ấy quá tuổi "
    "hoặc ý dân bóng dùng triệu tìm thống cấp bảo khách trẻ điện trở pháp quyết hệ đều chứng tổ hóa giờ "
    "án phòng nó tổng muốn vấn bắt vị khoảng tiến đưa trị nội đình bán cứu mỗi nguyễn đạo triển phẩm "
    "trưởng ảnh nghệ gần vật bất dịch chiến nguyên cái chuyện tiêu thức thắng tập bà vừa lực bố hà nữ tục "
    "lời đất sáng hiệu huế thừa thiên xã tỉnh nghĩa hòa phố"
)
_COMMON = frozenset(str.split(_COMMON_TEXT))
_WORD = re.compile(r"[^\W\d_]+")
# a word with a caseless letter and none of the lower-case letters TCVN3 text has (checked again after)
_NOT_LOWER = r"[^\W\d_a-zß-öø-ÿăâêôơưđ]"
_WORD_WITH_CASELESS = re.compile(rf"(?<![^\W\d_]){_NOT_LOWER}*{_CASELESS}{_NOT_LOWER}*(?![^\W\d_])")
_TONE_MARKS = set("\u0300\u0301\u0303\u0309\u0323")
_VIETNAMESE_ONLY = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")


def _evidence(text: str) -> int:
    """How many characters look like mojibake (foreign Latin-1 letters, capitals inside words)."""
    return len(_FOREIGN_RE.findall(text)) + len(_UPPER_AFTER_LOWER.findall(text))


def _impossible_syllables(text: str) -> int:
    """Words carrying two tone marks or adjacent marked vowels: never valid Vietnamese."""
    count = 0
    for word in _WORD.findall(text):
        decomposed = unicodedata.normalize("NFD", word)
        if sum(ch in _TONE_MARKS for ch in decomposed) > 1:
            count += 1
    return count


def decode_tcvn3(data: bytes) -> str:
    """TCVN3 bytes as text (see `_from_tcvn3`)."""
    return _from_tcvn3(data.decode("latin-1"))


def decode_vni(data: bytes) -> str:
    """VNI-Windows bytes as text (see `_from_vni`)."""
    return _from_vni(data.decode("latin-1"))


def _from_tcvn3(text: str) -> str:
    """TCVN3 bytes (as Latin-1 characters) to letters. A toned letter has one byte for both cases
    (capitals are drawn by an upper-case font), so it is made a capital where its word is capitals."""
    letters = text.translate(_TCVN3_LETTERS)
    if letters == letters.lower():
        return letters
    return _restore_capitals(letters, text.translate(_TCVN3_PROBE))


def _restore_capitals(letters: str, probe: str) -> str:
    """Upper-case the toned letters (in `probe`: a caseless stand-in) of a word whose other letters are
    capitals: at once when one is past the word's first letter ("HUÕ" -> HUẾ), else ("Vµ", "ë") only
    beside such a word on the same line ("§µ N½NG" -> ĐÀ NẴNG, while "ë UBND" stays "ở UBND")."""
    spans: list[tuple[int, int]] = []
    upper: list[bool] = []
    for match in _WORD_WITH_CASELESS.finditer(probe):
        known = match.group().replace(_CASELESS, "")
        if known == known.upper():  # no lower-case letter
            spans.append(match.span())
            upper.append(bool(match.group()[1:].replace(_CASELESS, "")))
    changed = True
    while changed:
        changed = False
        for n, span in enumerate(spans):
            if not upper[n] and any(
                0 <= m < len(spans) and upper[m] and _neighbours(probe, spans[m], span)
                for m in (n - 1, n + 1)
            ):
                upper[n] = changed = True
    out = list(letters)
    for (start, end), is_upper in zip(spans, upper, strict=True):
        if is_upper:
            out[start:end] = letters[start:end].upper()
    return "".join(out)


def _neighbours(text: str, one: tuple[int, int], other: tuple[int, int]) -> bool:
    """Two words with only spaces and punctuation (no line break, no other word) between them."""
    between = text[min(one[1], other[1]) : max(one[0], other[0])]
    return "\n" not in between and not _WORD.search(between)


def _from_vni(text: str) -> str:
    """VNI bytes (as Latin-1 characters) to letters: a vowel takes the mark bytes after it, of either
    case, while together they make a Vietnamese letter; a mark byte that would not (ŏ, û, ơ̂, a second
    tone) stays the character it is."""
    out: list[str] = []
    open_vowel = False  # out[-1] is a vowel that mark bytes may still add to
    for char in text:
        marks = _VNI_MARKS.get(char)
        if marks is not None and open_vowel:
            marked = _with_marks(out[-1], *marks)
            if marked is not None:
                out[-1] = marked
                continue
        open_vowel = char in _VNI_VOWELS
        out.append(_VNI_SINGLE.get(char, char))
    return "".join(out)


@cache  # a few hundred (letter, marks) pairs, met on every vowel of a page
def _with_marks(letter: str, quality: str, tone: str) -> str | None:
    """`letter` with a circumflex or breve and/or a tone added, or None if that is no Vietnamese letter.
    A mark the letter already has adds nothing ("aâá": a VNI font draws the circumflex twice, on ấ)."""
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    had_quality = next((m for m in marks if m in (_CIRCUMFLEX, _BREVE, _HORN)), "")
    had_tone = next((m for m in marks if m in _TONE_MARKS), "")
    if quality and (base not in _TAKES[quality] or had_quality not in ("", quality)):
        return None
    if tone and had_tone not in ("", tone):
        return None
    return unicodedata.normalize("NFC", base + (quality or had_quality) + (tone or had_tone))


def _from_utf8_as_cp1252(text: str) -> str:
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def repair_mojibake(text: str) -> str:
    """Return `text` converted from TCVN3/VNI/UTF-8-as-cp1252 mojibake, or unchanged when unsure."""
    if not text or text.isascii():
        return text
    candidates: list[str] = []
    if _UTF8_AS_CP1252.search(text):
        candidates.append(_from_utf8_as_cp1252(text))
    before = _evidence(text)
    if before >= 2:
        candidates.extend((_from_tcvn3(text), _from_vni(text)))
    if not candidates:
        return text
    base_vi = len(_VIETNAMESE_ONLY.findall(text))
    base_common = common_word_count(text)
    best, best_rank = text, (0, 0)
    for cand in candidates:
        if cand == text:
            continue
        score = _evidence(cand) + 2 * _impossible_syllables(cand)
        gained = len(_VIETNAMESE_ONLY.findall(cand)) - base_vi
        if gained <= 0 or score * 4 > before or common_word_count(cand) <= base_common:
            continue
        rank = (common_word_count(cand) - score, -score)
        if best is text or rank > best_rank:
            best, best_rank = cand, rank
    return best


def common_word_count(text: str) -> int:
    """How many words of `text` are among the most frequent non-ASCII syllables of Vietnamese news."""
    return sum(map(_COMMON.__contains__, _WORD.findall(text.lower())))
