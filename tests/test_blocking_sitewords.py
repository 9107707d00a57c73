"""blocking/sitewords.py against its definition: the call site's handles are the exact pointer
words of :func:`exact_words`, each once, whether the text is read the flat way (string methods)
or the exact way (:mod:`.words`). On every argument text of the corpus and on generated texts.
Behaviour, not speed."""

from __future__ import annotations

from corpusutil import corpus_dumps, goroutine_dumps
from hypothesis import given, settings
from hypothesis import strategies as st

from stackparse.analysis.blocking import exact_words
from stackparse.analysis.blocking.sitewords import site_handles


def _definition(text: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(exact_words(text)))


def test_corpus_texts() -> None:
    texts = {f.args_text for p in corpus_dumps() for d in goroutine_dumps(p) for g in d.goroutines for f in g.frames}
    assert len(texts) > 1000
    for t in texts:
        assert site_handles(t) == _definition(t), t


_WORD = st.sampled_from(["0x", "0x0", "0xc000", "0xc0001", "0xc00001a0c0", "0x1234567", "0xABCDE1", "0x00001",
                         "0x0000c00001", "0x2c0f29d50cb0", "12", "7", "...", "_", "", "٣", "0xc0001_2345"])
_ITEM = st.tuples(st.sampled_from(["", "{", "{{", "}"]), _WORD, st.sampled_from(["", "?"]),
                  st.sampled_from(["", "}", "}}", "{"])).map("".join)
_SEP = st.sampled_from([", ", ",", ", , ", " ,", ",  "])


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(_ITEM, _SEP), max_size=6))
def test_generated_texts(parts: list[tuple[str, str]]) -> None:
    text = "".join(i + s for i, s in parts)
    for t in (text, text.rstrip(", ")):
        assert site_handles(t) == _definition(t), t
