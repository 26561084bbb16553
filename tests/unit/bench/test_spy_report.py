"""bench/spy_report.py: py-spy's raw stacks split by side, the mapping's event building counted apart."""

from __future__ import annotations

from bench import spy_report

RAW = [
    # set-up: outside every side
    "<module> (bench/run.py:1);run_cases (bench/run.py:40);create_table (bench/dataset.py:9) 7",
    # ours (mine, under rotated under interleaved), its sink runner and the mapping's event building
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);ours (bench/cases/connect_java.py:181);"
    "rotated (bench/side_by_side.py:210);mine (bench/cases/connect_java.py:189);"
    "measure_ours (bench/mapping.py:21);<lambda> (bench/cases/connect_java.py:190);"
    "consume_as_mapping (bench/mapping.py:120);SinkRunner.handle (connect_core/runtime/sink_runner.py:88) 30",
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);ours (bench/cases/connect_java.py:181);"
    "rotated (bench/side_by_side.py:210);mine (bench/cases/connect_java.py:189);"
    "measure_ours (bench/mapping.py:21);<lambda> (bench/cases/connect_java.py:190);"
    "consume_as_mapping (bench/mapping.py:122);build_event (connect_core/local/kafka_trigger.py:50) 10",
    # the raw floor, reached through a lambda
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);_Sides.ours (bench/cases/x.py:3);"
    "rotated (bench/side_by_side.py:210);<lambda> (bench/cases/x.py:157);least (bench/cases/x.py:160) 20",
    # the JVM side: the bench waiting
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);theirs (bench/cases/x.py:50);"
    "sleep (time.py:1) 5",
    # our side's work outside its measured spans (a comparison after them): no side's
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);ours (bench/cases/connect_java.py:181);"
    "read_bytes (pathlib.py:1) 9",
    # 4u: a method of the case's sides object, reached through a lambda
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);_Sides.ours_and_floor (bench/cases/u.py:155);"
    "rotated (bench/side_by_side.py:210);<lambda> (bench/cases/u.py:157);_Sides.floor (bench/cases/u.py:160) 4",
    # the bench's count between a source side's invocations: outside every measured span
    "main (bench/run.py:1);interleaved (bench/side_by_side.py:9);_Sides.ours (bench/cases/x.py:3);"
    "alternated (bench/side_by_side.py:230);mine (bench/counting.py:146);until_all_in (bench/counting.py:97);"
    "CommittedCount.drain (bench/counting.py:60) 11",
    "not a stack line",
]


def test_samples_split_by_side_with_self_and_inclusive_shares() -> None:
    sides = spy_report.read(RAW)
    assert set(sides) == {"ours", "raw floor", "JVM (the bench waiting)"}
    ours = sides["ours"]
    assert ours.samples == 40 and ours.mapping_samples == 10
    handle = spy_report.Frame("SinkRunner.handle", "connect_core/runtime/sink_runner.py")
    assert ours.self_samples[handle] == 30
    assert ours.inclusive[spy_report.Frame("consume_as_mapping", "bench/mapping.py")] == 40
    assert sides["raw floor"].samples == 24 and sides["raw floor"].mapping_samples == 0
    text = spy_report.report(sides, top=3)
    assert text.index("== ours: 40 samples") < text.index("== raw floor: 24 samples")
    assert "the emulated mapping's event building: 25.0%" in text
    assert " 75.0%  SinkRunner.handle (connect_core/runtime/sink_runner.py)" in text


def test_a_frame_without_a_file_keeps_its_text() -> None:
    assert spy_report.Frame.parse("<native>") == spy_report.Frame("<native>", "")
    frozen = spy_report.Frame.parse("_find_and_load (<frozen importlib._bootstrap>:1176)")
    assert frozen == spy_report.Frame("_find_and_load", "<frozen importlib._bootstrap>")


def test_a_pull_mode_sink_inside_ours_side_is_a_side_of_its_own() -> None:
    """4u runs its source, then the sink behind the mapping and as a pull-mode task, all under ours' side."""
    ours = ("main (bench/run.py:1);interleaved (bench/side_by_side.py:9);_Sides.ours_and_floor (bench/cases/u.py:150);"
            "rotated (bench/side_by_side.py:210);<lambda> (bench/cases/u.py:157);_Sides.ours (bench/cases/u.py:160);")
    sides = spy_report.read([
        ours + "_Sides.ours.<locals>.mapped (bench/cases/u.py:170);SinkRunner.handle (connect_core/runtime/s.py:1) 6",
        ours + "_Sides.ours.<locals>.pulled (bench/cases/u.py:180);SinkPullTask.run (connect_core/runtime/p.py:1) 4",
    ])
    assert {label: side.samples for label, side in sides.items()} == {"ours": 6, "ours, pull mode": 4}
    pulled = sides["ours, pull mode"]
    assert [str(frame) for frame in pulled.self_samples] == ["SinkPullTask.run (connect_core/runtime/p.py)"]

