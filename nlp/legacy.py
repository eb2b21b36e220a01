"""Repair of Vietnamese text mis-decoded from legacy 8-bit encodings (TCVN3/ABC, VNI) or UTF-8 read as cp1252.

Older provincial sites and documents converted by hand still carry text like "Thõa Thiªn HuÕ" (TCVN3
bytes shown as Latin-1) or "Thöøa Thieân Hueá" (VNI). `repair_mojibake` converts such text back to
Unicode only when the evidence is clear: the original must contain several characters that never occur
in Vietnamese (µ, ª, Ö after a lower-case letter, ø, …) and the candidate must remove most of them while
adding Vietnamese letters. Genuine Unicode Vietnamese never triggers it.
"""

from __future__ import annotations

import re
import unicodedata

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

# VNI Windows: a base letter followed by one or two mark bytes (shown as Latin-1 characters).
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT_TONES = {"á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE_TONES = {"é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ",
    "Í": "Í", "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Ò": "Ị", "Î": "Ỵ",
}  # fmt: skip

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
    "lời đất sáng hiệu huế thừa thiên xã tỉnh nghĩa hòa"
)
_COMMON = frozenset(str.split(_COMMON_TEXT))
_WORD = re.compile(r"[^\W\d_]+")
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


def _from_tcvn3(text: str) -> str:
    return "".join(_TCVN3_TABLE.get(ch, ch) for ch in text)


def _vni_compose(base: str, mark: str, mark_table: dict[str, str], quality: str) -> str:
    return unicodedata.normalize("NFC", base + quality + mark_table[mark])


def _from_vni(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        low_next = nxt.lower()
        if ch.lower() in "aeo" and low_next == "â":  # â ê ô (+ tone)
            tone = text[i + 2] if i + 2 < n else ""
            if tone.lower() in _VNI_HAT_TONES:
                out.append(_vni_compose(ch, tone.lower(), _VNI_HAT_TONES, "\u0302"))
                i += 3
                continue
            out.append(unicodedata.normalize("NFC", ch + "\u0302"))
            i += 2
            continue
        if ch.lower() == "a" and low_next == "ê":  # ă
            out.append(unicodedata.normalize("NFC", ch + "\u0306"))
            i += 2
            continue
        if ch.lower() in "aeo" and low_next in _VNI_HAT_TONES:  # â ê ô with tone, hat implied
            out.append(_vni_compose(ch, low_next, _VNI_HAT_TONES, "\u0302"))
            i += 2
            continue
        if ch.lower() == "a" and low_next in _VNI_BREVE_TONES:  # ă with tone
            out.append(_vni_compose(ch, low_next, _VNI_BREVE_TONES, "\u0306"))
            i += 2
            continue
        if ch in _VNI_SINGLE:
            base = _VNI_SINGLE[ch]
            if ch.lower() in "ôö" and low_next in _VNI_TONES:
                out.append(unicodedata.normalize("NFC", base + _VNI_TONES[low_next]))
                i += 2
                continue
            out.append(base)
            i += 1
            continue
        if ch.lower() in "aeiouy" and low_next in _VNI_TONES:
            out.append(unicodedata.normalize("NFC", ch + _VNI_TONES[low_next]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


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
    base_common = _common_hits(text)
    best, best_rank = text, (0, 0)
    for cand in candidates:
        if cand == text:
            continue
        score = _evidence(cand) + 2 * _impossible_syllables(cand)
        gained = len(_VIETNAMESE_ONLY.findall(cand)) - base_vi
        if gained <= 0 or score * 4 > before or _common_hits(cand) <= base_common:
            continue
        rank = (_common_hits(cand) - score, -score)
        if best is text or rank > best_rank:
            best, best_rank = cand, rank
    return best


def _common_hits(text: str) -> int:
    return sum(word in _COMMON for word in _WORD.findall(text.lower()))
