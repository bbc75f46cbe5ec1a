"""Pure pieces of the classifier: the cold-start texts and the name-matching baseline.

Before a city has filed cases of its own, the model learns from what the taxonomy already says:
each category's name, its keywords, its major class, and the tie-break rules between matters that
people confuse (domain.md §3). The name-matching baseline is what the console did before the
model (a category wins when its words occur in the text); the trained model must beat it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# domain.md §3: which matter is meant when two look alike, as short reports a citizen would write.
TIE_BREAKS: dict[str, tuple[str, ...]] = {
    "06042": ("垃圾桶满了，垃圾高出桶口溢出来", "垃圾箱满溢没人清运", "垃圾站满了溢到地上", "果皮箱满溢"),
    "06010": ("路边有一堆暴露垃圾", "地上乱扔的生活垃圾成堆", "空地上堆着建筑垃圾没人清理"),
    "09005": ("店铺把商品摆到店门外经营", "商店出店经营占用人行道", "饭店在门口摆桌子经营"),
    "09006": ("流动摊贩在马路上摆摊", "小贩推车占道经营", "路边占道摆卖水果"),
    "07001": ("墙上贴满了小广告", "电线杆上张贴非法小广告", "楼道里喷涂办证小广告"),
    "06017": ("绿地里有很多垃圾", "草坪里乱扔垃圾，绿化带脏乱", "绿化带里堆满杂物"),
}


@dataclass(frozen=True)
class Seed:
    code: str
    name: str
    major_name: str = ""
    keywords: tuple[str, ...] = ()


def seed_texts(categories: Iterable[Seed]) -> tuple[list[str], list[str]]:
    """Training texts for the cold start: a few per category, from its own words."""
    texts, labels = [], []
    for c in categories:
        short = c.name.removesuffix("异常").removesuffix("问题")
        made = {c.name, short, f"{c.major_name.removesuffix('类')} {c.name}", *c.keywords,
                *TIE_BREAKS.get(c.code, ())}
        for text in sorted(t for t in made if t.strip()):
            texts.append(text)
            labels.append(c.code)
    return texts, labels


_SPLIT = re.compile(r"[和与及、，,\s/（）()]+")


def label_words(name: str) -> set[str]:
    """Words a label's name stands for: its parts, and for long parts their 2-character pieces
    (劳动和社会保障 → 劳动, 社会保障, 社会, 保障)."""
    words = set()
    for part in _SPLIT.split(name.removesuffix("异常").removesuffix("问题")):
        if len(part) >= 2:
            words.add(part)
        if len(part) >= 4:
            words.update(part[i:i + 2] for i in range(0, len(part) - 1, 2))
    return words


def match_score(text: str, words: Iterable[str]) -> int:
    """Longer words that occur weigh more: 垃圾满溢 says more than 垃圾."""
    return sum(len(w) for w in words if len(w) >= 2 and w in text)


def name_matcher(words_by_label: dict[str, set[str]], *, fallback: str) -> Callable[[list[str]], list[str]]:
    """predict(texts): the label whose words occur most; `fallback` when none occurs."""
    ordered = sorted(words_by_label.items())

    def predict(texts: list[str]) -> list[str]:
        out = []
        for text in texts:
            best = max(ordered, key=lambda item: match_score(text, item[1]), default=(fallback, set()))
            out.append(best[0] if match_score(text, best[1]) else fallback)
        return out

    return predict


def name_matching_baseline(train_texts: list[str], train_labels: list[str]) -> Callable[[list[str]], list[str]]:
    """The cold start as a baseline for any labelled data: label names only, ties to the commonest."""
    common = Counter(train_labels).most_common(1)[0][0]
    return name_matcher({label: label_words(label) for label in set(train_labels)}, fallback=common)
