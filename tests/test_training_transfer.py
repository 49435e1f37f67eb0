"""The transfer table: a source's effect is read on the clips of the actions it records."""

from __future__ import annotations

from dataclasses import dataclass

from core.training.transfer import transfer_table


@dataclass
class Info:
    source: str
    action: str


class Corpus:
    index = [Info("jhmdb", "walking"), Info("jhmdb", "throw"), Info("kard", "walking"), Info("pushfit", "push-up")]


def _clip(action: str, canonical: str, rank: int | None) -> dict:
    return {"action": action, "canonical": canonical, "rank": rank, "seen": "seen"}


def test_each_source_is_judged_on_the_clips_of_its_own_actions():
    everything = {"w1": _clip("walking", "walking", 1), "w2": _clip("walking", "walking", 2),
                  "t1": _clip("throwing", "throw", 1), "p1": _clip("push-up", "push-up", 1),
                  "x1": _clip("plank", "plank", 4)}
    without_jhmdb = {**everything, "w1": _clip("walking", "walking", 5), "t1": _clip("throwing", "throw", None)}
    without_pushfit = {**everything, "p1": _clip("push-up", "push-up", 3)}
    table = transfer_table(Corpus(), {"all": everything, "all-except:jhmdb": without_jhmdb,
                                      "all-except:pushfit": without_pushfit}, ["jhmdb", "pushfit"])
    rows = table.splitlines()[2:]
    assert rows[0] == "| jhmdb | throwing, walking | 3 | 0.00 -> 0.67 | 0.33 -> 1.00 |"
    assert rows[1] == "| pushfit | push-up | 1 | 0.00 -> 1.00 | 1.00 -> 1.00 |"
