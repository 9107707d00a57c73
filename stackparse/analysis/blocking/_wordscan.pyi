# The C kernel _wordscan.c (built where a C compiler works); its definition is
# columns._column_words.
MIN_POINTER: int

def column_words(texts: list[str], /) -> list[int]: ...
