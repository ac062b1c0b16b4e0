"""The discovery trainer's account of where missed brands are lost (``--misses``)."""

from benchmarks.train_discovery import Example, recall_losses


def _example(page: str, name: str, label: int | None, brand: int | None) -> Example:
    return Example(page, "dev", name, [], label, brand)


def test_each_required_brand_is_counted_once_in_the_bucket_where_it_is_lost() -> None:
    # Page "a": Acme scored 0.9 (found), Globex 0.4 (below 0.7), Initech a candidate that was
    # dropped before scoring, Toyota only inside "toyota rav4 prime", Hooli nowhere.
    scored = [
        (_example("a", "Acme", 1, 0), 0.9),
        (_example("a", "Acme Corp", 1, 0), 0.5),  # a second written form of a found brand
        (_example("a", "Globex", 1, 1), 0.4),
        (_example("a", "Nothing", 0, None), 0.95),
    ]
    generated = {
        "a": (
            {"acme", "globex", "initech", "toyota rav4 prime", "nothing"},
            [
                frozenset({"acme"}),
                frozenset({"globex"}),
                frozenset({"initech"}),
                frozenset({"toyota"}),
                frozenset({"hooli"}),
            ],
        )
    }

    assert recall_losses(scored, 0.7, generated) == {
        "found": 1,
        "scored below the threshold": 1,
        "dropped before scoring": 1,
        "another form": 1,
        "never a candidate": 1,
    }
