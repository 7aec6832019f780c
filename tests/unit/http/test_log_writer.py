"""The log writer: lines are written by its thread, in order, with the keys of ``JsonFormatter``;
a stream that does not take them never holds the caller, and nothing queued is lost at the stop."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from lms_http.observability import JsonFormatter, LogWriter, access_line, configure_logging, stop_logging
from tests.log_stream import Stream, restore_logging  # noqa: F401  (a fixture)


def access(request_id: str, **fields: object) -> None:
    values: dict[str, object] = {
        "request_id": request_id,
        "method": "GET",
        "route": "/api/v1/users/me",
        "status": 200,
        "duration_ms": 1.25,
        "user_id": "0190f0e0-0000-7000-8000-000000000001",
    }
    values.update(fields)
    access_line(**values)  # type: ignore[arg-type]


@pytest.mark.usefixtures("restore_logging")
def test_an_access_line_has_the_keys_and_values_of_a_formatted_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the same line through the logger (no writer: tests and embedders) and through the writer
    caplog.set_level(logging.INFO, logger="lms.access")
    access("r-1")
    (record,) = [r for r in caplog.records if r.name == "lms.access"]
    through_logger = json.loads(JsonFormatter().format(record))

    stream = Stream()
    writer = configure_logging("INFO", stream)
    access("r-1")
    assert writer.flush(10)
    (through_writer,) = stream.lines()
    assert list(through_writer) == list(through_logger) == [
        "ts", "level", "logger", "msg", "request_id", "method", "route", "status", "duration_ms", "user_id"
    ]  # fmt: skip
    assert {k: v for k, v in through_writer.items() if k != "ts"} == {
        k: v for k, v in through_logger.items() if k != "ts"
    }
    assert through_writer["msg"] == "request" and through_writer["logger"] == "lms.access"
    # the same form of time: ISO 8601 in UTC with milliseconds
    assert len(str(through_writer["ts"])) == len(str(through_logger["ts"])) == 29
    assert str(through_writer["ts"]).endswith("+00:00") and str(through_writer["ts"])[19] == "."


@pytest.mark.usefixtures("restore_logging")
def test_no_access_line_below_info_and_records_keep_their_level_and_exception() -> None:
    stream = Stream()
    writer = configure_logging("WARNING", stream)
    access("quiet")
    logging.getLogger("lms.test").info("not shown")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("lms.test").exception("failed %s", "here")
    assert writer.flush(10)
    (line,) = stream.lines()
    assert (line["level"], line["logger"], line["msg"]) == ("error", "lms.test", "failed here")
    assert "ValueError: boom" in str(line["exc"])


@pytest.mark.usefixtures("restore_logging")
def test_the_caller_never_writes_even_when_the_stream_blocks() -> None:
    gate = threading.Event()
    stream = Stream(gate)
    writer = configure_logging("INFO", stream)
    access("first")
    assert stream.entered.wait(10)  # the writer thread is now held in write()
    for n in range(100):  # returns at once every time: queuing only
        access(f"r-{n}")
        logging.getLogger("lms.test").warning("record %d", n)
    assert stream.text == "" and len(writer.lines) == 200
    gate.set()
    assert writer.flush(10)
    assert threading.get_ident() not in stream.writers
    ids = [line.get("request_id") or line["msg"] for line in stream.lines()]
    assert ids == ["first", *[x for n in range(100) for x in (f"r-{n}", f"record {n}")]]


@pytest.mark.usefixtures("restore_logging")
def test_a_full_queue_drops_access_lines_and_says_how_many() -> None:
    gate = threading.Event()
    stream = Stream(gate)
    writer = LogWriter(stream, capacity=10)
    writer.start()
    writer.put_access('{"n": 0}')
    assert stream.entered.wait(10)
    for n in range(1, 16):
        writer.put_access(f'{{"n": {n}}}')
    writer.put_nowait('{"record": true}')  # a record's line is kept even then
    assert writer.dropped == 5
    gate.set()
    writer.stop()
    lines = stream.lines()
    assert [line["n"] for line in lines if "n" in line] == list(range(11))
    assert {"record": True} in lines
    assert lines[-1]["msg"] == "access lines dropped" and lines[-1]["dropped"] == 5


@pytest.mark.usefixtures("restore_logging")
def test_stopping_writes_everything_queued() -> None:
    stream = Stream()
    configure_logging("INFO", stream, interval=3600)  # the thread would not wake on its own
    for n in range(50):
        access(f"r-{n}")
    assert stream.text == ""
    stop_logging()
    assert [line["request_id"] for line in stream.lines()] == [f"r-{n}" for n in range(50)]
    logging.getLogger("lms.test").warning("after the stop")  # written at once from then on
    assert stream.lines()[-1]["msg"] == "after the stop"
