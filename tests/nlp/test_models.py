"""The shipped models: load safely and quickly, and label fixed Vietnamese sentences sensibly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from nlp.errors import ModelLoadError, ModelNotFound
from nlp.modelstore import SHIPPED_DIR, find_model, load_model, save_model
from nlp.taxonomy import TONES, TOPICS

TOPIC_SENTENCES = [
    ("Đội tuyển Việt Nam thắng Thái Lan 3-0 ở chung kết, tiền đạo ghi cú đúp", "the-thao"),
    ("Giá vàng tăng mạnh, chứng khoán giảm điểm, ngân hàng hạ lãi suất cho vay doanh nghiệp", "kinh-te"),
    ("Bắt giữ đối tượng lừa đảo chiếm đoạt 2 tỷ đồng, công an khởi tố vụ án", "phap-luat"),
    ("Apple ra mắt iPhone mới với chip AI, phần mềm và ứng dụng được nâng cấp", "cong-nghe"),
    ("Tổng thống Mỹ và Thủ tướng Nhật Bản hội đàm tại Washington về xung đột Ukraine", "the-gioi"),
    ("Bệnh viện ghép gan thành công, bác sĩ khuyến cáo phòng bệnh sốt xuất huyết", "suc-khoe"),
    ("Bão số 5 gây mưa lớn, lũ quét và sạt lở đất ở miền Trung, ngập sâu nhiều nơi", "moi-truong"),
    ("Điểm chuẩn tuyển sinh đại học năm nay tăng, thí sinh và học sinh lớp 12 chuẩn bị thi", "giao-duc"),
]
TONE_SENTENCES = [
    ("Khánh thành cầu mới bắc qua sông Hương, người dân vui mừng", "positive"),
    ("Huế đón lượng du khách kỷ lục, doanh thu du lịch tăng trưởng mạnh", "positive"),
    ("Tai nạn giao thông nghiêm trọng, 3 người tử vong tại chỗ", "negative"),
    ("Bắt giữ đối tượng lừa đảo chiếm đoạt hàng tỷ đồng của người dân", "negative"),
    ("Mưa lớn gây ngập sâu, sạt lở làm hư hỏng nhiều nhà dân", "negative"),
]


def test_shipped_models_are_named_with_cards_and_small() -> None:
    total = 0
    for task in ("topic", "tone"):
        path = find_model(task)
        assert path.name.startswith(f"{task}-2.0-")
        card = path.with_name(path.name.removesuffix(".skops") + ".card.json")
        assert card.exists() and path.with_name(path.name.removesuffix(".skops") + ".md").exists()
        total += path.stat().st_size
    assert total < 60 * 1024 * 1024


def test_shipped_models_load_fast_with_card() -> None:
    for task in ("topic", "tone"):
        started = time.perf_counter()
        model = load_model(find_model(task))
        assert time.perf_counter() - started < 3.0
        assert model.card["task"] == task
        assert model.card["training_data"] and model.card["metrics"]
        assert all(len(item["sha256"]) == 64 for item in model.card["training_data"])
        allowed = TOPICS if task == "topic" else TONES
        assert set(model.classes) <= set(allowed)


@pytest.mark.parametrize(("text", "expected"), TOPIC_SENTENCES)
def test_topic_labels_fixed_sentences(text: str, expected: str) -> None:
    from nlp.features import topic_text
    from nlp.modelstore import get_model

    assert get_model("topic").pipeline.predict([topic_text(text)])[0] == expected


@pytest.mark.parametrize(("text", "expected"), TONE_SENTENCES)
def test_tone_labels_fixed_sentences(text: str, expected: str) -> None:
    from nlp.features import tone_text
    from nlp.modelstore import get_model

    assert get_model("tone").pipeline.predict([tone_text(text)])[0] == expected


def test_untrusted_types_are_refused(tmp_path: Path) -> None:
    import os

    import skops.io as sio

    evil = Pipeline([("f", FunctionTransformer(os.getcwd))])
    path = tmp_path / "topic-9.0-20990101.skops"
    sio.dump(evil, path)
    with pytest.raises(ModelLoadError, match="does not trust"):
        load_model(path)
    with pytest.raises(ModelLoadError):
        save_model(evil, {"task": "topic"}, tmp_path / "out", "topic-9.0-20990101")


def test_missing_model_tells_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="vigil nlp train topic"):
        find_model("topic", tmp_path)
    assert SHIPPED_DIR.is_dir()


@pytest.mark.parametrize("labels", [("negative", "positive"), ("negative", "neutral", "positive")])
def test_compiled_pipeline_gives_the_fitted_probabilities(labels: tuple[str, ...]) -> None:
    from nlp.features import tone_text
    from nlp.pipelines import tone_pipeline
    from nlp.vectorizers import compile_pipeline

    words = {"negative": "tai nạn lũ lụt", "neutral": "họp bàn kế hoạch", "positive": "khánh thành kỷ lục"}
    texts = [tone_text(f"{words[label]} số {i}") for i in range(10) for label in labels]
    y = [label for _ in range(10) for label in labels]
    fitted = tone_pipeline().fit(texts, y)
    compiled = compile_pipeline(fitted)
    probe = [tone_text("Khánh thành cầu mới"), tone_text("Tai nạn giao thông"), tone_text("không có từ nào")]
    assert abs(compiled.predict_proba(probe) - fitted.predict_proba(probe)).max() < 1e-6
    assert list(compiled.predict(probe)) == list(fitted.predict(probe))
    assert list(compiled.classes_) == list(fitted.classes_)


def test_long_texts_blend_in_the_long_component_and_short_texts_do_not() -> None:
    """GatedProba (the shipped topic model's form): headline+lede inputs get the short model's
    probabilities unchanged; full articles get the long component's over the classes it knows, and the
    short model keeps its probability of the others."""
    import numpy as np

    from nlp.pipelines import long_component, prior_pipeline, topic_pipeline
    from nlp.vectorizers import compile_pipeline, gated_reference, length_gate

    words = {
        "the-thao": "bóng đá cầu thủ ghi bàn",
        "kinh-te": "giá vàng chứng khoán ngân hàng",
        "giao-duc": "học sinh thi tuyển sinh",
        "suc-khoe": "bệnh viện bác sĩ điều trị",
    }
    texts = [f"{w} {extra} số {i}" for i in range(12) for w in words.values() for extra in ("", "hôm nay")]
    labels = [slug for _ in range(12) for slug in words for _extra in range(2)]
    prior = prior_pipeline().fit(texts, labels)
    fitted = topic_pipeline(prior).fit(texts, labels)
    known = [t for t, slug in zip(texts, labels, strict=True) if slug != "giao-duc"]
    known_labels = [slug for slug in labels if slug != "giao-duc"]
    long_model = long_component().fit(prior.steps[0][1].transform(known), known_labels)
    gate = (40.0, 100.0)
    compiled = compile_pipeline(fitted, long_model, 1.0, gate)
    short = ["bóng đá cầu thủ", "giá vàng tăng"]
    long = [("bóng đá cầu thủ ghi bàn " * 8).strip(), ("học sinh thi tuyển sinh giá vàng " * 6).strip()]
    assert list(length_gate([len(t) for t in short], gate)) == [0.0, 0.0]
    assert list(length_gate([len(t) for t in long], gate)) == [1.0, 1.0]
    assert abs(compiled.predict_proba(short) - fitted.predict_proba(short)).max() < 1e-6
    proba = compiled.predict_proba(long)
    assert abs(proba - gated_reference(fitted, long_model, long, 1.0, gate)).max() < 1e-6
    assert np.allclose(proba.sum(axis=1), 1.0)
    classes = [str(c) for c in compiled.classes_]
    assert classes == sorted(words) and len(long_model.classes_) == 3
    missing = classes.index("giao-duc")  # the long component does not know it: the short model decides
    assert abs(proba[:, missing] - fitted.predict_proba(long)[:, missing]).max() < 1e-6
    assert compiled.predict(long)[0] == "the-thao"
