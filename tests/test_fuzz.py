"""The fuzz check of issue 14 in CI: 200 seeded malformed files of every supported format (tests/fuzzing.py).

No case may exit 1, print a traceback or hang, and every exit 0 must account for every record of its file.
A larger run: ``python -m tests.fuzzing --cases 3000 --seed 7`` (``--command inspect`` or ``--command load`` for those).
"""

from __future__ import annotations

from tests import fuzzing


def test_two_hundred_malformed_files_end_with_a_documented_exit_and_lose_no_record(tmp_path):
    fuzzing.EXITS.clear()
    failures = fuzzing.run(seed=14, count=200, folder=tmp_path)
    assert [(case.name, case.path.name, problem) for case, problem in failures] == []
    # the generator makes both readable files (exit 0, every record accounted for) and refused ones (exit 3)
    assert fuzzing.EXITS.get(0, 0) >= 10 and fuzzing.EXITS.get(3, 0) >= 10
    assert set(fuzzing.EXITS) <= {0, 2, 3}


def test_inspect_of_malformed_files_ends_with_a_documented_exit(tmp_path):
    fuzzing.EXITS.clear()
    failures = fuzzing.run(seed=41, count=60, folder=tmp_path, command="inspect")
    assert [(case.name, case.path.name, problem) for case, problem in failures] == []
    assert set(fuzzing.EXITS) <= {0, 2, 3}


def test_load_of_malformed_files_ends_with_a_documented_exit_and_the_store_still_reports(tmp_path):
    fuzzing.EXITS.clear()
    failures = fuzzing.run(seed=23, count=40, folder=tmp_path, command="load")
    assert [(case.name, case.path.name, problem) for case, problem in failures] == []
    assert set(fuzzing.EXITS) <= {0, 2, 3} and fuzzing.EXITS.get(0, 0) >= 3


def test_the_generator_is_seeded(tmp_path):
    runs = []
    for folder in (tmp_path / "a", tmp_path / "b"):
        folder.mkdir()
        runs.append([(c.name, c.records, c.path.stat().st_size) for c in fuzzing.generate(3, 30, folder)])
    assert runs[0] == runs[1] and len(runs[0]) == 30
