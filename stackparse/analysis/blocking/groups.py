"""Stack groups: the goroutines of a dump with the same stack, found in one pass.

A 100,000-goroutine dump has a few hundred distinct stacks; :func:`stack_groups` numbers them so
that the blocking stage works once per group and reads only the argument words per goroutine.
Typed for mypyc (``stackparse/native.py: MODULES``): ``Goroutine`` and ``Frame`` are
NamedTuples, so their fields are read as tuple items once compiled.
"""

from __future__ import annotations

from ...model import Goroutine


def stack_groups(goroutines: tuple[Goroutine, ...]) -> tuple[list[int], list[int]]:
    """``(group_of, reps)``: goroutines with equal states, the same creator function object,
    the same "is goroutine 1", and in every frame the same function object and an equal file and
    line form one group (numbered in order of first appearance); ``group_of[k]`` is the group of
    ``goroutines[k]`` and ``reps[j]`` the index of group ``j``'s first goroutine.

    Functions are compared by identity (the parser shares one ``Function`` per name; its hash is
    Python code), so goroutines in one group have equal stacks by value and whatever is looked
    up by value once per group is what each would get. (Equal functions that are distinct
    objects put their goroutines in two groups: only the work is repeated.)

    The key of a goroutine is one flat tuple: (state, creator function id, is goroutine 1), then
    (function id, file, line) of every frame. O(total frames)."""
    seen: dict[tuple[object, ...], int] = {}
    group_of: list[int] = []
    reps: list[int] = []
    for k, g in enumerate(goroutines):
        cb = g.created_by
        parts: list[object] = [g.state, id(None if cb is None else cb.function), g.id == 1]
        for fr in g.frames:
            parts.append(id(fr.function))
            parts.append(fr.file)
            parts.append(fr.line)
        key = tuple(parts)
        grp = seen.get(key)
        if grp is None:
            grp = len(reps)
            seen[key] = grp
            reps.append(k)
        group_of.append(grp)
    return group_of, reps
