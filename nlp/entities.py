"""People, organisations and places named in an article: a gazetteer plus capitalisation heuristics.

Why not underthesea's NER: it works offline but needs word segmentation, POS tagging and chunking first
(several times slower than the whole enrichment budget) and, on the province's own names, mislabels
"Thừa Thiên Huế" as a person. The default path is therefore:
1. the gazetteer (nlp/data/gazetteer.toml): whole-token matches with exact diacritics (punctuation between
   tokens is ignored, so "TP. Huế" and "TP Huế" are one alias), case-sensitive except that an alias
   written lower-case first ("sông Hương") also matches at a sentence start; "huế" never matches "Huế";
2. heuristics over capitalised syllables: a title ("ông", "bà", "Chủ tịch", "Đại tá", …) + 2-4 capitalised
   syllables is a person, as is a 3-4-syllable capitalised run that starts with a common surname; an
   organisation head ("Công ty", "Sở", "Trường", "Bệnh viện", …) + capitalised words is an organisation;
   an administrative or geographic head ("tỉnh", "phường", "xã", "sông", …) + capitalised words is a place.
Overlaps resolve to the longest span (gazetteer first on ties).
Rules that keep the entities trustworthy (issue 13):
- every alias resolves to its canonical entity ("Huế", "TP Huế", "thành phố Huế", "Thừa Thiên Huế" → Huế);
- an agency alias written without a place ("Sở Y tế", "UBND TP") is Huế's own only when no other place
  follows it: "Sở Y tế Hà Nội" and "UBND TP Đà Nẵng" are their own agencies, as written;
- the gazetteer's [STOP] words (pronouns such as "Anh", fragments such as "Bộ Văn") are never entities, a
  one-syllable place after a kinship word or a name syllable ("anh Đức", "Minh Đức") is not a place, and a
  place followed by more name syllables ("Lào Cai") is not the shorter place;
- no span crosses a sentence end or a line: a dot joins only after a known abbreviation ("TP. Huế");
- officials: a title, then an agency, then a name ("Chủ tịch UBND TP Huế Nguyễn Văn Phương") gives the
  agency and the person.
Precision/recall on 100 hand-checked real items: nlp/entity_eval.py, nlp/models/entities.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.errors import NlpError
from nlp.normalize import fold, normalize
from nlp.taxonomy import DATA_DIR

GAZETTEER_FILE = DATA_DIR / "gazetteer.toml"
ENTITY_TYPES = ("LOC", "ORG", "PER")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PERSON_TITLES = _words(
    "ông bà anh chị cụ em cháu cô thầy chàng nữ_sinh nam_sinh chủ_tịch bí_thư giám_đốc thủ_tướng bộ_trưởng "
    "tổng_bí_thư phó_chủ_tịch phó_giám_đốc trưởng_phòng đại_tá thượng_tá trung_tá thiếu_tá thiếu_tướng "
    "trung_tướng đại_úy thượng_úy trung_úy nsnd nsưt ca_sĩ nghệ_sĩ ts pgs gs ths bs bác_sĩ nhà_thơ nhạc_sĩ "
    "họa_sĩ đạo_diễn hlv tiền_đạo thủ_môn tiền_vệ hậu_vệ võ_sĩ vđv luật_sư phóng_viên"
)
SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Lâm Mai Tô Trịnh "
    "Đoàn Lương Cao Châu Tôn Văn Hà Thái Tạ La Lưu Kiều Quách Mạc Vương Từ Triệu Doãn Phùng Tống"
)
ORG_HEADS = _words(
    "công_ty tập_đoàn ngân_hàng trường bệnh_viện sở bộ ban viện trung_tâm hội hiệp_hội báo đài clb "
    "câu_lạc_bộ quỹ học_viện đại_học đh tổng_công_ty cục tổng_cục công_an ubnd hđnd tand vksnd "
    "thành_ủy tỉnh_ủy đảng_ủy huyện_ủy thành_đoàn tỉnh_đoàn liên_đoàn cảng_vụ thanh_tra nhà_xuất_bản"
)
LOC_HEADS = _words(
    "tỉnh thành_phố tp phường xã huyện quận thị_xã thị_trấn làng thôn sông hồ núi đèo đảo biển vịnh "
    "bãi_biển cầu chợ chùa lăng hầm"
)
_HEAD_WORDS = frozenset(h.split("_")[0] for h in ORG_HEADS | LOC_HEADS)
GEO_HEADS = _words("sông hồ núi đèo đảo vịnh bãi_biển cầu chợ chùa lăng hầm")
_FIRST_WORDS = frozenset(h.split("_")[0] for h in PERSON_TITLES | ORG_HEADS | LOC_HEADS)
_TOKEN = re.compile(r"\w+", re.UNICODE)
# lower-case words that never sit inside an organisation's name ("trường Norodom ở TP HCM")
_NOT_IN_NAMES = frozenset(
    ["ở", "tại", "của", "với", "cho", "từ", "đến", "trên", "về", "là", "có", "đã", "được", "khi"]
)


@dataclass(frozen=True)
class Found:
    """One entity occurrence: where it is, what it is, and the name it is recorded under."""

    start: int
    end: int
    type: str
    name: str


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper() and not tok[:1].isdigit()


def _is_name_syllable(tok: str) -> bool:
    """Capitalised, letters only, rest lower-case ("Phương", not "UBND" nor "COVID")."""
    return tok[:1].isupper() and tok.isalpha() and (len(tok) == 1 or tok[1:].islower())


Token = tuple[int, int, str]
Alias = tuple[tuple[str, ...], str, str]  # (alias tokens, type, canonical name)


_gazetteer_file = GAZETTEER_FILE


def use_gazetteer(path: Path | None) -> None:
    """Read entities from another gazetteer file (an administrator's copy); None: the shipped one."""
    global _gazetteer_file
    if path is not None and not path.is_file():
        raise NlpError(f"gazetteer file {path} does not exist; fix nlp.gazetteer_file")
    _gazetteer_file = path or GAZETTEER_FILE
    _gazetteer.cache_clear()
    _stop.cache_clear()


def gazetteer_path(configured: Path | None, data_dir: Path) -> Path | None:
    """The gazetteer in force: nlp.gazetteer_file, else the one edited through the API
    (`<data_dir>/nlp/gazetteer.toml`) when it exists, else None (the shipped file)."""
    if configured is not None:
        return configured
    edited = data_dir / "nlp" / "gazetteer.toml"
    return edited if edited.is_file() else None


def check_gazetteer(text: str) -> dict[str, int]:
    """Entries per type of a gazetteer's TOML text; NlpError saying what is wrong when it is not one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NlpError(f"the gazetteer is not valid TOML: {exc}") from exc
    counts: dict[str, int] = {}
    for section, entries in data.items():
        if section == "STOP":
            words = entries.get("words", []) if isinstance(entries, dict) else None
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise NlpError('[STOP] must hold words = ["…", …]')
            counts["STOP"] = len(words)
            continue
        if section not in ENTITY_TYPES or not isinstance(entries, dict):
            raise NlpError(f"unknown section [{section}]; use [LOC], [ORG], [PER] and [STOP]")
        for canonical, aliases in entries.items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise NlpError(f'[{section}] "{canonical}" must be a list of aliases, e.g. ["TP Huế"]')
        counts[section] = len(entries)
    return counts


@lru_cache(maxsize=1)
def _gazetteer_data() -> dict[str, Any]:
    with _gazetteer_file.open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, list[Alias]]:
    """Aliases indexed by their first token, lower-cased; longest alias first.

    Token lookup instead of one big regex alternation: 10x faster on a 600-word article.
    """
    _gazetteer_data.cache_clear()
    data = _gazetteer_data()
    index: dict[str, list[Alias]] = {}
    seen: set[tuple[str, ...]] = set()
    for etype, entries in data.items():
        if etype not in ENTITY_TYPES:
            continue
        for canonical, aliases in entries.items():
            for alias in [canonical, *aliases]:
                tokens = tuple(m.group(0) for m in _TOKEN.finditer(normalize(alias)))
                if tokens and tokens not in seen:
                    seen.add(tokens)
                    index.setdefault(tokens[0].lower(), []).append((tokens, etype, normalize(canonical)))
    for candidates in index.values():
        candidates.sort(key=lambda a: len(a[0]), reverse=True)
    return index


def resolve_entity(name: str) -> tuple[str, str] | None:
    """(canonical name, type) of the gazetteer entity `name` is the canonical name or an alias of
    (punctuation between words ignored, exact diacritics; case ignored only when no exact match), or None."""
    wanted = tuple(m.group(0) for m in _TOKEN.finditer(normalize(name)))
    if not wanted:
        return None
    candidates = _gazetteer().get(wanted[0].lower(), [])
    for alias, etype, canonical in candidates:
        if alias == wanted:
            return canonical, etype
    lowered = tuple(t.lower() for t in wanted)
    for alias, etype, canonical in candidates:
        if tuple(t.lower() for t in alias) == lowered:
            return canonical, etype
    return None


def entity_aliases(canonical: str) -> list[str]:
    """The canonical name and every alias of a gazetteer entity (as token runs joined by spaces)."""
    found = [
        " ".join(alias)
        for candidates in _gazetteer().values()
        for alias, _etype, name in candidates
        if name == canonical
    ]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    """Folded phrases that are never an entity on their own ([STOP] words of the gazetteer)."""
    _gazetteer()
    words = _gazetteer_data().get("STOP", {}).get("words", [])
    return frozenset(" ".join(_TOKEN.findall(fold(normalize(w)))) for w in words)


def _same_token(surface: str, alias: str, first: bool) -> bool:
    """Exact, except that an alias written lower-case first ("sông") may start a sentence ("Sông")."""
    if surface == alias:
        return True
    return first and alias[:1].islower() and surface == alias[:1].upper() + alias[1:]


def _gazetteer_matches(text: str, tokens: list[Token]) -> list[Found]:
    index = _gazetteer()
    found = []
    n = len(tokens)
    for i, (start, _end, tok) in enumerate(tokens):
        candidates = index.get(tok.lower())
        if not candidates:
            continue
        for alias, etype, canonical in candidates:
            width = len(alias)
            if i + width <= n and all(
                _same_token(tokens[i + k][2], alias[k], k == 0) and (k == 0 or _joined(text, tokens, i + k))
                for k in range(width)
            ):
                end = i + width
                if etype == "ORG" and HOME not in alias:  # "UBND TP Huế" is qualified already
                    qualified = _qualified_by(text, tokens, end)
                    if qualified is not None:
                        place, after = qualified
                        if place != HOME or not canonical.endswith(HOME):
                            # "Sở Y tế Hà Nội" is not Huế's Sở Y tế: an agency of its own, as written
                            span_end = tokens[after - 1][1]
                            found.append(Found(start, span_end, "ORG", text[start:span_end]))
                            break
                        end = after  # "Sở Y tế Huế": Huế's own, span extended
                if (
                    etype != "ORG"
                    and end < n
                    and _is_name_syllable(tokens[end][2])
                    and _adjacent(text, tokens, end)
                    and not _starts_person(text, tokens, end)
                    and tokens[end][2].lower() not in index
                ):
                    break  # "Lào | Cai", "Nam | Định": part of a longer name
                if width == 1 and etype == "LOC" and i > 0 and _adjacent(text, tokens, i):
                    before = tokens[i - 1][2]
                    if before.lower() in _KIN or (
                        _is_name_syllable(before) and i > 1 and _adjacent(text, tokens, i - 1)
                    ):
                        break  # "anh Đức", "ông Nga", "Minh Đức": a person, not a country
                found.append(Found(start, tokens[end - 1][1], etype, canonical))
                break
    return found


HOME = "Huế"
_AGENCY_HEADS = _words("bộ sở cục tổng_cục ban viện vụ trung_tâm")
# first syllables of common words that begin agency and company names written on in lower case
# ("Bệnh viện Đa khoa", "Tập đoàn Công nghiệp", "Trung tâm Dự báo"): such a name is not cut after them
_NAME_WORD_STARTS = _words(
    "đa công dự văn y kinh nông tài giáo khoa xây nội ngoại tư quản phòng cảnh an lao thông giao kế du "
    "thể hành điều kiểm năng bảo quốc nghiên phát đào sản thương dịch truyền nhi phụ chấn mắt răng "
    "phổi ung tâm chăm cấp vật môi xuất nhập đầu xăng điện nước cao đại trung"
)
_KIN = _words("ông bà anh chị em cô chú bác cháu cụ thầy mẹ bố con chồng vợ")
_PLACE_WORDS = (("thành", "phố"), ("tp",), ("tỉnh",), ("huyện",), ("quận",), ("xã",), ("phường",))


def _qualified_by(text: str, tokens: list[Token], k: int) -> tuple[str, int] | None:
    """The place that qualifies an agency name ending before token k, and the token index after it.

    "Sở Y tế | Hà Nội", "UBND TP | Đà Nẵng", "Công an | tỉnh Quảng Trị" → ("Hà Nội", …); a known place
    resolves to its canonical name. None when no capitalised place follows on the same line.
    """
    n = len(tokens)
    if k >= n or not _adjacent(text, tokens, k):
        return None
    j = k
    for words in _PLACE_WORDS:
        if j + len(words) <= n and tuple(t[2].lower() for t in tokens[j : j + len(words)]) == words:
            if all(_adjacent(text, tokens, j + m) for m in range(1, len(words) + 1) if j + m < n):
                j += len(words)
            break
    if j >= n or not _is_cap(tokens[j][2]) or not _adjacent(text, tokens, j):
        return None
    if _starts_person(text, tokens, j):
        return None  # "Sở Y tế Nguyễn Văn A": an official after the agency, not a place
    for alias, etype, canonical in _gazetteer().get(tokens[j][2].lower(), []):
        width = len(alias)
        if (
            etype == "LOC"
            and j + width <= n
            and all(tokens[j + m][2] == alias[m] for m in range(width))
            and all(_joined(text, tokens, j + m) for m in range(1, width))
        ):
            return canonical, j + width
    end = j
    while end < n and _is_cap(tokens[end][2]) and (end == j or _adjacent(text, tokens, end)):
        end += 1
    return text[tokens[j][0] : tokens[end - 1][1]], end


def _joined(text: str, tokens: list[Token], k: int) -> bool:
    """Token k continues a gazetteer name begun before it: same line, no sentence end between.

    Looser than `_adjacent` (aliases hold hyphens and commas: "Thừa Thiên - Huế", "Bộ Văn hóa, Thể
    thao và Du lịch") but a full stop, "!", "?", ";" or ":" ends a name except after an abbreviation.
    """
    between = text[tokens[k - 1][1] : tokens[k][0]]
    if "\n" in between or len(between) > 3:
        return False
    gap = between.strip(" ")
    if gap in ("", "-", "–", ",", "&"):
        return True
    return gap == "." and _is_abbreviation(tokens[k - 1][2])


def _heuristic_matches(text: str, tokens: list[Token]) -> list[Found]:
    found: list[Found] = []
    i, n = 0, len(tokens)
    while i < n:
        # one- to three-syllable head words, lower-cased with "_" joining (matches the sets above)
        head1 = tokens[i][2].lower().rstrip(".")
        if head1 not in _FIRST_WORDS and tokens[i][2] not in SURNAMES:
            i += 1
            continue
        head2 = head1 + "_" + tokens[i + 1][2].lower() if i + 1 < n else ""
        head3 = head2 + "_" + tokens[i + 2][2].lower() if i + 2 < n else ""
        for head, width in ((head3, 3), (head2, 2), (head1, 1)):
            if not head:
                continue
            etype = (
                "PER"
                if head in PERSON_TITLES
                else "ORG"
                if head in ORG_HEADS
                else "LOC"
                if head in LOC_HEADS
                else ""
            )
            if not etype or (etype == "ORG" and not _is_cap(tokens[i][2])):
                continue  # organisations are written capitalised: "Trường THPT …", not "trường học"
            if (
                etype != "PER"
                and width == 1
                and i > 0
                and _is_cap(tokens[i - 1][2])
                and _adjacent(text, tokens, i)
            ):
                continue  # a head word inside another name: "Tây Ban Nha", "Liên Hiệp Quốc"
            j = i + width
            if etype == "PER":
                if j < n and tokens[j][2].lower() in _HEAD_WORDS and tokens[j][2] not in SURNAMES:
                    continue  # "Giám đốc Sở …": an agency follows the title, not a name
                k = j
                while k < n and k - j < 4 and _is_name_syllable(tokens[k][2]) and _adjacent(text, tokens, k):
                    k += 1
                if k < n and text[tokens[k - 1][1] : tokens[k][0]] == "-" and tokens[k][2].islower():
                    k += 1  # "Kim Sang-sik": a hyphenated given name
                if k - j >= 2:
                    found.append(
                        Found(tokens[j][0], tokens[k - 1][1], "PER", text[tokens[j][0] : tokens[k - 1][1]])
                    )
                    i = k - 1
                    break
            else:
                k = j
                if etype == "ORG":  # "Công an tỉnh Quảng Trị", "UBND thành phố Huế"
                    for words in _PLACE_WORDS:
                        width_p = len(words)
                        if (
                            k + width_p < n
                            and tuple(t[2].lower() for t in tokens[k : k + width_p]) == words
                            and _is_cap(tokens[k + width_p][2])
                            and all(_adjacent(text, tokens, k + m) for m in range(width_p + 1))
                        ):
                            k += width_p
                            break
                while k < n and k - j < 8 and _adjacent(text, tokens, k):
                    if k > j and _starts_person(text, tokens, k):
                        break  # "UBND TP Huế | Nguyễn Văn Phương": the official after the agency
                    if _is_cap(tokens[k][2]):
                        k += 1
                    elif (  # an organisation's name may hold lower-case syllables between capitals
                        etype == "ORG"
                        and k > j
                        and tokens[k][2] not in _NOT_IN_NAMES
                        and k + 1 < n
                        and _is_cap(tokens[k + 1][2])
                        and tokens[k + 1][2].lower() not in _FIRST_WORDS  # "Sở Y tế và | Công an …"
                        and _adjacent(text, tokens, k + 1)
                    ):
                        k += 2
                    else:
                        break
                if (
                    k == j + 1
                    and (head in _AGENCY_HEADS or tokens[j][2].lower() in _NAME_WORD_STARTS)
                    and _is_name_syllable(tokens[j][2])
                    and k < n
                    and tokens[k][2][:1].islower()
                    and _adjacent(text, tokens, k)
                    and tokens[k][2] not in _NOT_IN_NAMES
                ):
                    break  # "Bộ Văn hóa, …", "Sở Y tế": a name written on in lower case, not "Bộ Văn"
                if k > j and (etype == "ORG" or all(_is_name_syllable(t[2]) for t in tokens[j:k])):
                    # "sông Hàn", "hầm Đèo Ngang": a geographic head is part of the name; "tỉnh" is not
                    start = tokens[i][0] if etype == "ORG" or head in GEO_HEADS else tokens[j][0]
                    found.append(Found(start, tokens[k - 1][1], etype, text[start : tokens[k - 1][1]]))
                    i = k - 1
                    break
        else:
            # a capitalised 3-4-syllable run starting with a common surname
            if tokens[i][2] in SURNAMES and (i == 0 or not _is_cap(tokens[i - 1][2])):
                k = i + 1
                while k < n and k - i < 4 and _is_name_syllable(tokens[k][2]) and _adjacent(text, tokens, k):
                    k += 1
                if k - i >= 3 and (k == n or not _is_cap(tokens[k][2])):
                    found.append(
                        Found(tokens[i][0], tokens[k - 1][1], "PER", text[tokens[i][0] : tokens[k - 1][1]])
                    )
                    i = k - 1
        i += 1
    return found


def _starts_person(text: str, tokens: list[Token], k: int) -> bool:
    """A surname followed by two more name syllables on the same line starts at token k."""
    return (
        tokens[k][2] in SURNAMES
        and k + 2 < len(tokens)
        and all(_is_name_syllable(tokens[k + m][2]) and _adjacent(text, tokens, k + m) for m in (1, 2))
    )


def _adjacent(text: str, tokens: list[Token], k: int) -> bool:
    """Token k follows token k-1 on the same line with only spaces or one dot between ("TP.Huế", "TP. Huế").

    A name does not run across other punctuation or a line break.
    """
    if k == 0:
        return True
    between = text[tokens[k - 1][1] : tokens[k][0]]
    if "\n" in between or len(between) > 3:
        return False
    gap = between.strip(" ")
    # A dot joins only after an abbreviation ("TP. Huế"); after a word it ends a sentence ("Minh. Theo").
    return gap == "" or (gap == "." and _is_abbreviation(tokens[k - 1][2]))


_DOTTED = _words("TP Tp P Q H X TX TT T ThS TS GS PGS BS KS Th ĐH St Mr Ms Dr")


def _is_abbreviation(token: str) -> bool:
    """A word written with a dot that does not end the sentence ("TP. Huế", "P.Hội An"); not "HCM."."""
    return token in _DOTTED


def find_entities(text: str) -> list[Found]:
    """All non-overlapping entity spans of a normalised text, in text order."""
    if not text:
        return []
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    candidates = [(f, 0) for f in _gazetteer_matches(text, tokens)]
    candidates += [(f, 1) for f in _heuristic_matches(text, tokens)]
    candidates.sort(key=lambda c: (-(c[0].end - c[0].start), c[1], c[0].start))
    stop = _stop()
    taken: list[Found] = []
    for cand, _priority in candidates:
        if " ".join(_TOKEN.findall(fold(text[cand.start : cand.end]))) in stop:
            continue
        if all(cand.end <= t.start or cand.start >= t.end for t in taken):
            taken.append(cand)
    return sorted(taken, key=lambda f: f.start)


def extract_entities(text: str, *, normalized: bool = False) -> list[dict[str, str]]:
    """Distinct entities as article records store them: {"text", "type", "normalized"} (first-seen order).

    Pass normalized=True when `text` already went through nlp.normalize.normalize.
    """
    seen: set[tuple[str, str]] = set()
    out = []
    for found in find_entities(text if normalized else normalize(text)):
        key = (found.type, fold(found.name))
        if key not in seen:
            seen.add(key)
            out.append({"text": found.name, "type": found.type, "normalized": key[1]})
    return out
