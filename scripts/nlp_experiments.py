#!/usr/bin/env python3
"""Reproduce the model-selection experiments recorded in the model cards (second and third shifts).

    .venv/bin/python scripts/nlp_experiments.py tone     # ~5 min: 2x5-fold CV on the 640 training items
    .venv/bin/python scripts/nlp_experiments.py topic    # ~6 min: 3-fold CV on VNTC train
    .venv/bin/python scripts/nlp_experiments.py topic --segment   # + word segmentation (~4 min more)
    .venv/bin/python scripts/nlp_experiments.py tone --third      # third shift, ~2 min
    .venv/bin/python scripts/nlp_experiments.py topic --third     # third shift, ~10 min

Third shift: word vectors learnt without labels (PPMI + SVD over syllable co-occurrence) from the texts of
the repo's other Vietnamese corpora (VNTC train, baomoi, RSS items; their labels are never read, and no
held-out text is among them), chi2 feature selection, GUIDE-group cue markers, ordinal / hierarchical
tone decisions, probability-averaged ensembles and a two-stage doi-song / thoi-su decision.

Held-out data (VNTC test, the fixed fifth of news-tone-hue) is never fitted on, not even for IDF: every
variant is judged by cross-validation on the training part, and the held-out score is printed beside it
only to report. Not part of the product; run on one core (n_jobs=1).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import corpora  # noqa: E402
from nlp.features import mark_tone_cues, tone_text, topic_text  # noqa: E402
from nlp.jsonl import read_jsonl  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from nlp.pipelines import SEED, TOKENS  # noqa: E402

Vectorise = Callable[[list[int], list[list[int]]], list[Any]]


def cv_and_heldout(
    vectorise: Vectorise,
    make_clf: Callable[[], Any],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    folds: int,
    repeats: int,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """Mean macro-F1 over CV folds of `train`, then the score of a fit on all of `train` on `test`."""
    scores = []
    for rep in range(repeats):
        splitter = StratifiedKFold(folds, shuffle=True, random_state=42 + rep)
        for a, b in splitter.split(train, y[train]):
            fit_idx, val_idx = list(train[a]), list(train[b])
            x_fit, x_val = vectorise(fit_idx, [fit_idx, val_idx])
            w = None if weights is None else weights[fit_idx]
            clf = make_clf().fit(x_fit, y[fit_idx], sample_weight=w)
            scores.append(f1_score(y[val_idx], clf.predict(x_val), average="macro"))
    x_fit, x_test = vectorise(list(train), [list(train), list(test)])
    w = None if weights is None else weights[train]
    clf = make_clf().fit(x_fit, y[train], sample_weight=w)
    return float(np.mean(scores)), float(f1_score(y[test], clf.predict(x_test), average="macro"))


def tone_experiments() -> None:
    rows = list(read_jsonl(corpora.FILES["news-tone-hue"]))
    y = np.array([r["label"] for r in rows])
    train, test = train_test_split(np.arange(len(rows)), test_size=0.2, stratify=y, random_state=SEED)
    texts = [tone_text(r["title"], r.get("summary") or "") for r in rows]
    assert [texts[i] for i in test] == corpora.tone("test").texts  # the card's fixed fifth
    marked = mark_tone_cues(texts)
    unlabelled = mark_tone_cues(
        [tone_text(r["title"], r.get("summary") or "") for r in read_jsonl(corpora.FILES["rss-unlabelled"])]
    )
    low = np.array([r.get("confidence") == "low" for r in rows])

    def vectoriser(char: tuple[int, int] | None = None, unl: bool = False, ngram=(1, 2)) -> Vectorise:
        def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
            vecs = [TfidfVectorizer(ngram_range=ngram, sublinear_tf=True, token_pattern=TOKENS)]
            if char:
                vecs.append(
                    TfidfVectorizer(analyzer="char_wb", ngram_range=char, sublinear_tf=True, min_df=2)
                )
            fit_texts = [marked[i] for i in fit_idx] + (unlabelled if unl else [])
            for v in vecs:
                v.fit(fit_texts)
            return [sp.hstack([v.transform([marked[i] for i in p]) for v in vecs]).tocsr() for p in parts]

        return run

    def logreg(c: float) -> Callable[[], Any]:
        return lambda: LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED)

    variants: list[tuple[str, Vectorise, Callable[[], Any], np.ndarray | None]] = [
        ("shipped: cues + word 1-2-grams, LogReg C=3", vectoriser(), logreg(3), None),
        ("+ char_wb 2-4", vectoriser(char=(2, 4)), logreg(3), None),
        ("+ char_wb 2-4, C=1", vectoriser(char=(2, 4)), logreg(1), None),
        ("IDF also on unlabelled RSS", vectoriser(unl=True), logreg(3), None),
        ("IDF on unlabelled + char_wb 2-4", vectoriser(char=(2, 4), unl=True), logreg(3), None),
        ("low-confidence weight 0.5", vectoriser(), logreg(3), np.where(low, 0.5, 1.0)),
        ("LinearSVC C=1", vectoriser(), lambda: LinearSVC(C=1, class_weight="balanced"), None),
    ]
    for name, vec, clf, weights in variants:
        cv, held = cv_and_heldout(vec, clf, y, train, test, folds=5, repeats=2, weights=weights)
        print(f"tone  {name:45s} CV {cv:.4f}  held-out fifth {held:.4f}", flush=True)


def topic_experiments(segment: bool) -> None:
    tr, te = corpora.vntc("train"), corpora.vntc("test")
    texts = tr.texts + te.texts
    y = np.array(tr.labels + te.labels)
    train, test = np.arange(len(tr)), np.arange(len(tr), len(texts))
    seg: list[str] = []
    if segment:
        from underthesea import word_tokenize

        seg = [word_tokenize(t, format="text") for t in texts]

    def vectoriser(make: Callable[[], TfidfVectorizer], source: list[str]) -> Vectorise:
        def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
            v = make().fit([source[i] for i in fit_idx])
            return [v.transform([source[i] for i in p]) for p in parts]

        return run

    def syl(**kw: Any) -> Callable[[], TfidfVectorizer]:
        return lambda: TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32, **kw
        )

    variants: list[tuple[str, Vectorise, Callable[[], Any]]] = [
        ("syllable 1-2 LinearSVC C=0.3", vectoriser(syl(), texts), lambda: LinearSVC(C=0.3)),
        ("syllable 1-2 LinearSVC C=1", vectoriser(syl(), texts), lambda: LinearSVC(C=1)),
        ("syllable 1-2 max_df=0.5 LinearSVC C=1", vectoriser(syl(max_df=0.5), texts), lambda: LinearSVC(C=1)),
        (
            "syllable 1-2 SGD modified_huber",
            vectoriser(syl(), texts),
            lambda: SGDClassifier(loss="modified_huber", alpha=2e-5, max_iter=50, random_state=0),
        ),
    ]
    if segment:
        words = lambda: TfidfVectorizer(  # noqa: E731
            min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32
        )
        variants.append(("word unigrams LinearSVC C=1", vectoriser(words, seg), lambda: LinearSVC(C=1)))
    for name, vec, clf in variants:
        cv, held = cv_and_heldout(vec, clf, y, train, test, folds=3, repeats=1)
        print(f"topic {name:45s} CV {cv:.4f}  VNTC test {held:.4f}", flush=True)


def unlabelled_texts(exclude_titles: frozenset[str] = frozenset()) -> list[str]:
    """Texts only (labels are never read) of VNTC train, baomoi and the RSS items, lower-cased."""
    out = [topic_text(body=r["text"]) for r in read_jsonl(corpora.FILES["vntc-train"])]
    out += [topic_text(body=r["text"]) for r in read_jsonl(corpora.FILES["baomoi"])]
    out += [
        tone_text(r["title"], r.get("summary") or "")
        for key in ("rss-sections", "rss-unlabelled")
        for r in read_jsonl(corpora.FILES[key])
        if r["title"].strip() not in exclude_titles
    ]
    return [t.lower() for t in out]


def ppmi_word_vectors(
    docs: list[str], dim: int = 200, window: int = 2, min_count: int = 5
) -> tuple[dict[str, int], np.ndarray]:
    """Syllable vectors: positive PMI of co-occurrence within `window` (context counts^0.75), then SVD."""
    seqs = [re.findall(r"(?u)\b\w+\b", d.lower()) for d in docs]
    counts = Counter(w for s in seqs for w in s)
    vocab = {w: i for i, w in enumerate(w for w, c in counts.most_common() if c >= min_count)}
    rows, cols = [], []
    for seq in seqs:
        ids = [vocab.get(w, -1) for w in seq]
        for i, a in enumerate(ids):
            if a >= 0:
                for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                    if j != i and ids[j] >= 0:
                        rows.append(a)
                        cols.append(ids[j])
    n = len(vocab)
    co = sp.coo_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n)).tocsr()
    co.sum_duplicates()
    total = co.sum()
    row_sum = np.asarray(co.sum(1)).ravel()
    ctx = np.asarray(co.sum(0)).ravel() ** 0.75
    ctx = ctx / ctx.sum() * total
    co = co.tocoo()
    pmi = np.log(co.data * total / (row_sum[co.row] * ctx[co.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (co.row[keep], co.col[keep])), shape=(n, n))
    svd = TruncatedSVD(dim, random_state=0).fit(ppmi)
    return vocab, l2_rows(svd.transform(ppmi) / np.sqrt(svd.singular_values_))


def with_doc_vectors(
    base: Vectorise, source: list[str], vocab: dict[str, int], vec: np.ndarray, w: float
) -> Vectorise:
    """`base` features + the TF-IDF-weighted mean word vector of each text (unit length, times w)."""

    def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
        idf = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", vocabulary=vocab, sublinear_tf=True)
        idf.fit([source[i] for i in fit_idx])
        blocks = base(fit_idx, parts)
        dense = [l2_rows(idf.transform([source[i] for i in p]) @ vec) * w for p in parts]
        return [sp.hstack([b, sp.csr_matrix(d)]).tocsr() for b, d in zip(blocks, dense, strict=True)]

    return run


def blocks(*vectorisers: Vectorise) -> Vectorise:
    """Feature blocks side by side; ProbAverage can fit one model per block."""

    def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
        outs = [v(fit_idx, parts) for v in vectorisers]
        return [BlockMatrix([o[k] for o in outs]) for k in range(len(parts))]

    return run


class BlockMatrix(list):  # type: ignore[type-arg]
    """A list of feature blocks for the same rows (what `blocks` returns)."""

    @property
    def shape(self) -> tuple[int, int]:
        return (self[0].shape[0], sum(b.shape[1] for b in self))


class ProbAverage:
    """One classifier per feature block, probabilities averaged (a soft-voting ensemble)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def fit(self, x: BlockMatrix, y: np.ndarray, sample_weight: Any = None) -> ProbAverage:
        self.models = [self.make().fit(b, y) for b in x]
        self.classes_ = self.models[0].classes_
        return self

    def predict(self, x: BlockMatrix) -> np.ndarray:
        proba = sum(m.predict_proba(b) for m, b in zip(self.models, x, strict=True))
        return self.classes_[np.argmax(proba, axis=1)]


class OrdinalTone:
    """Frank & Hall ordinal classification: P(y > negative), P(y > neutral) from two binary models."""

    order = np.array(["negative", "neutral", "positive"])

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def fit(self, x: Any, y: np.ndarray, sample_weight: Any = None) -> OrdinalTone:
        code = np.searchsorted(self.order, y)
        self.above = [self.make().fit(x, code > k) for k in (0, 1)]
        return self

    def predict(self, x: Any) -> np.ndarray:
        p1, p2 = (m.predict_proba(x)[:, 1] for m in self.above)
        return self.order[np.argmax(np.c_[1 - p1, np.clip(p1 - p2, 0, None), p2], axis=1)]


class TwoStage:
    """A first model over all labels; a second one re-decides items predicted as one of `pair`."""

    def __init__(self, make: Callable[[], Any], make_pair: Callable[[], Any], pair: tuple[str, str]) -> None:
        self.make, self.make_pair, self.pair = make, make_pair, pair

    def fit(self, x: Any, y: np.ndarray, sample_weight: Any = None) -> TwoStage:
        self.first = self.make().fit(x, y)
        inside = np.isin(y, self.pair)
        self.second = self.make_pair().fit(x[inside], y[inside])
        return self

    def predict(self, x: Any) -> np.ndarray:
        pred = self.first.predict(x)
        hit = np.isin(pred, self.pair)
        if hit.any():
            pred[hit] = self.second.predict(x[hit])
        return pred


def l2_rows(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


# GUIDE.md's definitions (nlp/data/tone/GUIDE.md) written out as Vietnamese phrase groups (Vigil's own).
TONE_GROUPS = {
    "pos_achieve": (
        "thành tích|giải thưởng|huy chương|vô địch|đoạt giải|kỷ lục|xuất sắc|"
        "vinh danh|tôn vinh|danh hiệu|công nhận|bằng khen|khen thưởng|đạt giải|"
        "giành|chiến thắng|thắng"
    ),
    "pos_growth": (
        "tăng trưởng|tăng mạnh|vượt kế hoạch|vượt|doanh thu|khởi sắc|phục hồi|tăng thu|bội thu|được mùa"
    ),
    "pos_open": (
        "khánh thành|khai trương|khởi công|thông xe|đưa vào sử dụng|"
        "đi vào hoạt động|bàn giao|hoàn thành|ra mắt|khai mạc"
    ),
    "pos_tourism": (
        "du khách|lượt khách|điểm đến|lễ hội|festival|thu hút|hút khách|trải nghiệm|check-in|thơ mộng|đẹp"
    ),
    "pos_deed": (
        "trao tặng|tặng quà|hỗ trợ|giúp đỡ|ủng hộ|từ thiện|nghĩa cử|tấm lòng|"
        "trao trả|nhặt được|tri ân|chung tay|sẻ chia"
    ),
    "pos_rescue": ("cứu sống|giải cứu|cứu thành công|kịp thời|an toàn|đưa vào bờ|thoát nạn|bình an"),
    "pos_invest": "đầu tư|nhà đầu tư|rót vốn|fdi|ký kết|hợp tác|cấp phép",
    "pos_life": (
        "cải thiện|nâng cao|nâng cấp|thoát nghèo|nhà mới|an cư|việc làm|thu nhập|ấm no|hạnh phúc|niềm vui"
    ),
    "neg_accident": (
        "tai nạn|va chạm|tông|lật|đâm|đuối nước|tử vong|thiệt mạng|bị thương|chết|thi thể|tử nạn"
    ),
    "neg_crime": (
        "bắt giữ|bắt tạm giam|tạm giữ|khởi tố|truy tố|lừa đảo|trộm|cướp|giết|"
        "ma túy|án tù|xét xử|đối tượng|truy nã|chiếm đoạt"
    ),
    "neg_violation": (
        "tham nhũng|hối lộ|sai phạm|vi phạm|xử phạt|kỷ luật|cách chức|trái phép|không phép|gian lận|hàng giả"
    ),
    "neg_disaster": (
        "bão|lũ|ngập|sạt lở|mưa lớn|cháy|hỏa hoạn|thiệt hại|sập|sụt lún|cô lập|chia cắt|lũ quét|lốc"
    ),
    "neg_pollution": "ô nhiễm|rác thải|bốc mùi|cá chết|xả thải|nước thải",
    "neg_dispute": "tranh chấp|khiếu nại|tố cáo|bức xúc|phản ánh|kiện|phản đối|dậy sóng|tố",
    "neg_failure": (
        "chậm tiến độ|đình trệ|bỏ hoang|thua lỗ|thất bại|thiếu|khan hiếm|"
        "lãng phí|giảm|sụt giảm|hoãn|gián đoạn|tạm dừng|thua|xuống cấp|hư hỏng"
    ),
    "neg_danger": ("nguy hiểm|nguy cơ|cảnh báo|khẩn cấp|sơ tán|mắc kẹt|thót tim|hoảng|báo động|đe dọa"),
    "neu_announce": (
        "thông báo|công bố|cho biết|theo kế hoạch|dự kiến|lịch|kế hoạch|"
        "quy định|chính sách|nghị định|quyết định|phê duyệt|chủ trương|đề xuất|"
        "lấy ý kiến|hướng dẫn|triển khai"
    ),
    "neu_appoint": ("bổ nhiệm|bầu|giữ chức|nhậm chức|điều động|phân công|chủ tịch|bí thư|hội nghị|họp"),
    "neu_forecast": "dự báo|thời tiết|nhiệt độ|không khí lạnh|nắng|độ c|trời",
    "neu_stats": "tỉ lệ|thống kê|số liệu|phần trăm|tỷ|tỉ đồng|triệu đồng|giá",
}


def mark_tone_groups(texts: list[str], title_too: bool = True) -> list[str]:
    """Append one __<group>__ token per GUIDE-group phrase found (and __t<group>__ for title hits)."""
    patterns = {}
    for group, phrases in TONE_GROUPS.items():
        ordered = sorted({normalize(p).lower() for p in phrases.split("|")}, key=len, reverse=True)
        patterns[group] = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")
    out = []
    for text in texts:
        low = text.lower()
        title = low.split(". ", 1)[0]
        marks = []
        for group, pattern in patterns.items():
            marks += [f"__{group}__"] * len(pattern.findall(low))
            if title_too:
                marks += [f"__t{group}__"] * len(pattern.findall(title))
        out.append(low + " " + " ".join(marks))
    return out


def tone_third_shift() -> None:
    rows = list(read_jsonl(corpora.FILES["news-tone-hue"]))
    y = np.array([r["label"] for r in rows])
    train, test = train_test_split(np.arange(len(rows)), test_size=0.2, stratify=y, random_state=SEED)
    texts = [tone_text(r["title"], r.get("summary") or "") for r in rows]
    marked = mark_tone_cues(texts)
    grouped = mark_tone_groups(marked)
    vocab, vec = ppmi_word_vectors(unlabelled_texts(frozenset(r["title"].strip() for r in rows)))

    def words(source: list[str]) -> Vectorise:
        def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
            v = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKENS)
            v.fit([source[i] for i in fit_idx])
            return [v.transform([source[i] for i in p]) for p in parts]

        return run

    def chars(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
        v = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
        v.fit([marked[i] for i in fit_idx])
        return [v.transform([marked[i] for i in p]) for p in parts]

    def logreg(c: float = 3.0) -> Callable[[], Any]:
        return lambda: LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED)

    variants: list[tuple[str, Vectorise, Callable[[], Any]]] = [
        ("shipped: cues + word 1-2-grams, LogReg C=3", words(marked), logreg()),
        ("+ PPMI-SVD doc vectors w=0.5", with_doc_vectors(words(marked), marked, vocab, vec, 0.5), logreg()),
        ("+ GUIDE-group markers", words(grouped), logreg()),
        (
            "+ PPMI w=0.5 + GUIDE-group markers",
            with_doc_vectors(words(grouped), grouped, vocab, vec, 0.5),
            logreg(),
        ),
        (
            "prob. avg word+PPMI LogReg, char_wb 2-4 LogReg",
            blocks(with_doc_vectors(words(marked), marked, vocab, vec, 0.5), chars),
            lambda: ProbAverage(logreg()),
        ),
        ("ordinal (Frank-Hall) C=3", words(marked), lambda: OrdinalTone(logreg())),
        ("hierarchical: neutral vs polar, then pos vs neg", words(marked), lambda: Hierarchical(logreg())),
    ]
    for name, vec_, clf in variants:
        cv, held = cv_and_heldout(vec_, clf, y, train, test, folds=5, repeats=2)
        print(f"tone  {name:45s} CV {cv:.4f}  held-out fifth {held:.4f}", flush=True)


class Hierarchical:
    """Neutral vs polar first, then positive vs negative; P(label) = product of the two probabilities."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def fit(self, x: Any, y: np.ndarray, sample_weight: Any = None) -> Hierarchical:
        self.neutral = self.make().fit(x, y == "neutral")
        polar = y != "neutral"
        self.polarity = self.make().fit(x[polar], y[polar])
        return self

    def predict(self, x: Any) -> np.ndarray:
        pn = self.neutral.predict_proba(x)[:, 1]
        pp = self.polarity.predict_proba(x)  # negative, positive
        proba = np.c_[(1 - pn) * pp[:, 0], pn, (1 - pn) * pp[:, 1]]
        return np.array(["negative", "neutral", "positive"])[np.argmax(proba, axis=1)]


def topic_third_shift() -> None:
    tr, te = corpora.vntc("train"), corpora.vntc("test")
    texts = tr.texts + te.texts
    y = np.array(tr.labels + te.labels)
    train, test = np.arange(len(tr)), np.arange(len(tr), len(texts))
    vocab, vec = ppmi_word_vectors(unlabelled_texts())  # VNTC train, baomoi, RSS: no VNTC test text

    def syllables(select: int = 0) -> Vectorise:
        def run(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
            v = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
            mats = [v.fit_transform([texts[i] for i in fit_idx])] + [
                v.transform([texts[i] for i in p]) for p in parts[1:]
            ]
            if select:
                keep = SelectKBest(chi2, k=min(select, mats[0].shape[1])).fit(mats[0], y[fit_idx])
                mats = [l2_rows_sparse(keep.transform(m)) for m in mats]
            return mats

        return run

    def chars(fit_idx: list[int], parts: list[list[int]]) -> list[Any]:
        v = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            dtype=np.float32,
            max_features=200000,
        ).fit([texts[i] for i in fit_idx])
        return [v.transform([texts[i] for i in p]) for p in parts]

    def logreg() -> Any:
        return LogisticRegression(C=30, max_iter=3000)

    variants: list[tuple[str, Vectorise, Callable[[], Any]]] = [
        ("syllable 1-2 LinearSVC C=1", syllables(), lambda: LinearSVC(C=1)),
        ("chi2 top 40,000 LinearSVC C=1", syllables(40000), lambda: LinearSVC(C=1)),
        (
            "+ PPMI-SVD doc vectors w=0.5 LinearSVC C=1",
            with_doc_vectors(syllables(), texts, vocab, vec, 0.5),
            lambda: LinearSVC(C=1),
        ),
        (
            "two-stage doi-song/thoi-su, pair LinearSVC C=1",
            syllables(),
            lambda: TwoStage(lambda: LinearSVC(C=1), lambda: LinearSVC(C=1), ("doi-song", "thoi-su")),
        ),
        (
            "prob. avg LogReg syllable 1-2 + char_wb 2-5 (C=30)",
            blocks(syllables(), chars),
            lambda: ProbAverage(logreg),
        ),
    ]
    for name, vec_, clf in variants:
        cv, held = cv_and_heldout(vec_, clf, y, train, test, folds=3, repeats=1)
        print(f"topic {name:45s} CV {cv:.4f}  VNTC test {held:.4f}", flush=True)


def l2_rows_sparse(m: Any) -> Any:
    from sklearn.preprocessing import normalize as sk_normalize

    return sk_normalize(m)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=("topic", "tone"))
    parser.add_argument("--segment", action="store_true", help="topic: add underthesea word segmentation")
    parser.add_argument("--third", action="store_true", help="run the third shift's variants instead")
    args = parser.parse_args()
    if args.third:
        (tone_third_shift if args.task == "tone" else topic_third_shift)()
    elif args.task == "tone":
        tone_experiments()
    else:
        topic_experiments(args.segment)


if __name__ == "__main__":
    main()
