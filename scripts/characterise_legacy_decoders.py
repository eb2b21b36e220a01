"""Characterisation of the two legacy Vietnamese decoders that stood side by side until Dec 2026
(crawlers/decode.py: `decode_tcvn3`, `decode_vni`; nlp/legacy.py: `_from_tcvn3`, `_from_vni`) and of
the one that replaced them (nlp/legacy.py: `decode_tcvn3`, `decode_vni`), over:
- the inputs of both old test sets (the crawler's paragraph, nlp's mojibake examples), and
- real Vietnamese text in the repo (tests/data/nlp/entities_gold.jsonl, the outlet fixtures'
  expected titles and texts) as written, lower-cased and upper-cased, rendered into TCVN3 and into
  VNI with lower-case and with letter-case mark bytes by tests/legacy_vietnamese.py.
The old modules are read from git (`--base`, the last commit that had both), so this still runs after
the merge. Prints, per set, how many inputs each decoder reads back right and the words where the
outputs differ. Run: .venv/bin/python scripts/characterise_legacy_decoders.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.legacy_vietnamese import to_tcvn3, to_vni  # noqa: E402 (after the path is set)

Decoder = Callable[[bytes], str]


def old_module(base: str, path: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{base}:{path}"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(path.replace("/", ".").removesuffix(".py") + "@" + base)
    sys.modules[module.__name__] = module  # dataclasses and annotations look the module up
    exec(compile(source, f"{base}:{path}", "exec"), module.__dict__)
    return module


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def decoders(base: str) -> dict[str, dict[str, Decoder]]:
    crawler = old_module(base, "crawlers/decode.py")
    nlp = old_module(base, "nlp/legacy.py")
    found: dict[str, dict[str, Decoder]] = {
        "tcvn3": {
            "crawler": lambda b: nfc(crawler.decode_tcvn3(b)),
            "nlp": lambda b: nfc(nlp._from_tcvn3(b.decode("latin-1"))),
        },
        "vni": {
            "crawler": lambda b: nfc(crawler.decode_vni(b)),
            "nlp": lambda b: nfc(nlp._from_vni(b.decode("latin-1"))),
        },
    }
    import nlp.legacy as merged

    if hasattr(merged, "decode_tcvn3"):
        found["tcvn3"]["merged"] = merged.decode_tcvn3
        found["vni"]["merged"] = merged.decode_vni
    return found


def latin1_text(text: str) -> str:
    """Vietnamese letters and Latin-1 only: the typographic quotes and dashes of real text have no
    byte in either legacy encoding (a page would have used ASCII), so they become ASCII here."""
    swap = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}
    kept = []
    for char in nfc(text):
        char = swap.get(char, char)
        base = unicodedata.normalize("NFD", char)[0]
        kept.append(char if ord(base) < 0x100 or char in "đĐ" else "?")
    return "".join(kept)


def real_texts() -> list[str]:
    texts = []
    for line in (ROOT / "tests/data/nlp/entities_gold.jsonl").read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["text"])
    for path in sorted((ROOT / "tests/data/crawlers").glob("*/layout-*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))["expected"]
        texts.extend(str(expected[key]) for key in ("title", "text") if expected.get(key))
    return [latin1_text(t) for t in texts]


def vni_sequences() -> list[tuple[str, bytes, str]]:
    """Every vowel byte (and ơ ư) followed by one or two VNI mark bytes of either case; what each
    stands for is not given (""): these show only where the decoders part."""
    marks = bytes(range(0xC0, 0x100))
    bases = b"aeiouyAEIOUY" + bytes([0xF4, 0xF6, 0xD4, 0xD6])
    return [
        ("vni", bytes([base, first]) + bytes(second), "")
        for base in bases
        for first in marks
        for second in [[], *([m] for m in marks)]
    ]


def cases() -> dict[str, list[tuple[str, bytes, str]]]:
    """set name -> [(encoding, bytes, the Vietnamese text they stand for)]"""
    from tests.crawlers.test_legacy_encodings import PAGE, PARAGRAPH
    from tests.nlp.test_normalize import test_legacy_encoding_repair

    sets: dict[str, list[tuple[str, bytes, str]]] = {}
    page = PAGE.format(PARAGRAPH)
    sets["crawler tests"] = [("tcvn3", to_tcvn3(page), page), ("vni", to_vni(page), page)]
    marks = test_legacy_encoding_repair.pytestmark[0].args[1]  # type: ignore[attr-defined]
    sets["nlp tests"] = [
        ("tcvn3" if "Hu\xd5" in mojibake or "§" in mojibake or "µ" in mojibake else "vni", raw, expected)
        for mojibake, expected in marks  # expected after nlp.normalize (tone placement "hòa", not "hoà")
        if not mojibake.startswith("Th\xe1\xbb")  # the UTF-8-as-cp1252 example is neither
        for raw in [mojibake.encode("latin-1")]
    ]
    sets["VNI: a vowel and one or two mark bytes"] = vni_sequences()
    texts = real_texts()
    for name, change in (("as written", str), ("lower case", str.lower), ("upper case", str.upper)):
        sets[f"real text, {name}, TCVN3"] = [("tcvn3", to_tcvn3(change(t)), change(t)) for t in texts]
        sets[f"real text, {name}, VNI lower-case marks"] = [
            ("vni", to_vni(change(t)), change(t)) for t in texts
        ]
        if name != "lower case":
            sets[f"real text, {name}, VNI letter-case marks"] = [
                ("vni", to_vni(change(t), "letter"), change(t)) for t in texts
            ]
    return sets


_VOWELS = "aăâeêioôơuưy"
_LETTERS = {
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in _VOWELS + _VOWELS.upper()
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
}


def foreign_letters(text: str) -> bool:
    """A letter made by the decoder that Vietnamese does not have (ŏ, û, ơ̂ ...); a byte left as its
    Latin-1 character (È, ë) is not counted."""
    return any(ord(char) > 0xFF and char not in _LETTERS and char not in "đĐ" for char in text)


def codec_choice(base: str) -> None:
    """Which decoding the crawler picks for a page of real text in each legacy encoding, with the
    old scorer (at `base`) and the present one."""
    from crawlers import decode as present
    from tests.crawlers.hostile import encode_cp1258

    old = old_module(base, "crawlers/decode.py")
    texts = real_texts()
    for codec, render in (("cp1258", encode_cp1258), ("tcvn3", to_tcvn3), ("vni", to_vni)):
        for name, module in (("old", old), ("present", present)):
            picks = Counter(module._best_legacy(render(f"<p>{t}</p>"))[1] for t in texts)
            right = f"right {picks[codec]}/{len(texts)}"
            print(f"codec choice, {codec} pages, {name} scorer: {dict(picks)} ({right})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="785b4d5", help="a commit with both old decoders")
    parser.add_argument("--examples", type=int, default=6, help="differing words shown per set")
    args = parser.parse_args()
    from nlp.normalize import normalize

    found = decoders(args.base)
    for set_name, items in cases().items():
        names = list(found[items[0][0]])
        right = Counter[str]()
        wrong_words = Counter[str]()
        differing = Counter[tuple[str, ...]]()
        for encoding, raw, expected in items:
            outputs = {name: found[encoding][name](raw) for name in names}
            if set_name == "nlp tests":  # its expected texts are normalize()'s, with its tone placement
                outputs = {name: normalize(out) for name, out in outputs.items()}
            right.update(name for name, out in outputs.items() if out == expected)
            for name, out in outputs.items():
                pairs = zip(expected.split(" "), out.split(" "), strict=False)
                wrong_words[name] += sum(a != b for a, b in pairs) if expected else 0
            if len(set(outputs.values())) > 1 or (expected and expected not in outputs.values()):
                words = zip(expected.split(" "), *(outputs[n].split(" ") for n in names), strict=False)
                if not expected:
                    words = iter([(raw.decode("latin-1"), *outputs.values())])
                differing.update(w for w in words if len(set(w)) > 1)
        scores = ", ".join(
            f"{name} {right[name]}/{len(items)} ({wrong_words[name]} words wrong)" for name in names
        )
        scores = scores if items[0][2] else "-"
        print(f"{set_name}: right: {scores}; differing words: {sum(differing.values())}")
        if not items[0][2]:
            outputs_of = {n: [found[e][n](raw) for e, raw, _ in items] for n in names}
            print(f"{set_name}: outputs with a letter Vietnamese does not have: ", end="")
            print(", ".join(f"{n} {sum(map(foreign_letters, outs))}" for n, outs in outputs_of.items()))
            for size in (2, 3):
                shown = [w for w in differing if len(w[0]) == size][: args.examples]
                print(f"    {size} bytes, first {len(shown)}:", "; ".join(" -> ".join(w) for w in shown))
        for words, count in differing.most_common(args.examples if items[0][2] else 0):
            shown = " | ".join(f"{n}={w!r}" for n, w in zip(["expected", *names], words, strict=True))
            print("   ", count, "x", shown)
    codec_choice(args.base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
