"""Opening hours in reports: business-time waits and service level, after-hours contacts, the backlog at
opening, --by weekday,hour_of_day, csmetrics.toml and --hours. The reference cases of the issue, through the
library's entry point and the command line, with expected values computed by hand in the comments; and the
sample's e-mail business-time service level against an independent computation (zoneinfo + holidays)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
import zoneinfo
from pathlib import Path

import holidays as holidays_package
import pytest
from conftest import HEADER, ROOT

from csmetrics import api
from csmetrics.calendars.spec import load_hours_file, parse_hours
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError
from csmetrics.pipeline.report import run_report

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")
GB_HOURS = textwrap.dedent("""\
    timezone = "Europe/London"
    holidays = "GB-ENG"
    [week]
    mon = "09:00-17:00"
    tue = "09:00-17:00"
    wed = "09:00-17:00"
    thu = "09:00-17:00"
    fri = "09:00-17:00"
""")
SAMPLE = ROOT / "sample_data" / "interactions.csv"
SAMPLE_HOURS = ROOT / "examples" / "hours" / "hours.toml"


def _csv(tmp_path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """rows: (id, offered_at, answered_at, ended_at, channel); inbound, queue q, agent A1 when answered."""
    lines = [HEADER]
    for key, offered, answered, ended, channel in rows:
        agent = "A1" if answered else ""
        lines.append(f"{key},{offered},{answered},{ended},{channel},inbound,q,{agent},C{key},,60,0,0,false")
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _hours(tmp_path: Path, text: str = GB_HOURS) -> Path:
    path = tmp_path / "hours.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _report(path: Path, hours: Path | None, *, by: str | None = None, sets: dict | None = None, **kw):
    request = api.ReportRequest(
        inputs=api.Inputs(interactions=(str(path),)),
        definitions=api.definitions(sets=sets or {}, tz="Europe/London"),
        group_by=by,
        hours=load_hours_file(hours) if hours is not None else None,
        **kw,
    )
    return api.report(request)


# Reference cases (Monday-Friday 09:00-17:00 Europe/London, holidays of England 2024). Offsets: GMT (UTC+0)
# until Sunday 31 March 01:00Z, BST (UTC+1) after, so the opening is 09:00Z in March and 08:00Z from April.
EASTER = [
    # Good Friday 16:00Z (closed: holiday) -> Tuesday 2 April 09:30Z: open 08:00Z-09:30Z = 90 min
    ("E1", "2024-03-29T16:00:00Z", "2024-04-02T09:30:00Z", "2024-04-02T09:40:00Z", "email"),
    # the 4-business-hour deadline of a contact offered then is Tuesday 12:00Z: 11:59Z is 239 min, 12:01Z 241 min
    ("E2", "2024-03-29T16:00:00Z", "2024-04-02T11:59:00Z", "2024-04-02T12:10:00Z", "email"),
    ("E3", "2024-03-29T16:00:00Z", "2024-04-02T12:01:00Z", "2024-04-02T12:10:00Z", "email"),
    # Thursday 28 March 16:00Z (16:00 GMT, open until 17:00: 60 min) -> Tuesday 08:30Z (09:30 BST: 30 min): 90 min
    ("E4", "2024-03-28T16:00:00Z", "2024-04-02T08:30:00Z", "2024-04-02T08:40:00Z", "email"),
    # a call judged in calendar time: a wait of exactly 20 s meets the 20 s threshold
    ("V1", "2024-03-28T10:00:00Z", "2024-03-28T10:00:20Z", "2024-03-28T10:05:00Z", "voice"),
]


def test_business_waits_and_service_level_of_the_easter_cases(tmp_path):
    path = _csv(tmp_path, EASTER)
    sets = {
        "channels.email.service_level.clock": "business",
        "channels.email.service_level.threshold_seconds": 4 * 3600,
    }
    report = _report(path, _hours(tmp_path), by="channel", sets=sets)
    rows = {r["channel"]: r for r in report.rows.to_dicts()}
    # email: business waits 5400, 14340, 14460, 5400 s -> mean 9900 s; within 14400 s: E1, E2, E4 -> 3/4
    assert rows["email"]["asa_business_seconds"] == pytest.approx((5400 + 14340 + 14460 + 5400) / 4)
    assert rows["email"]["service_level"] == pytest.approx(0.75)
    # voice keeps the calendar clock: 20 s <= 20 s
    assert rows["voice"]["service_level"] == 1.0
    # offered Good Friday 16:00Z (a holiday): after hours; Thursday 16:00Z (16:00 GMT): within hours
    assert rows["email"]["after_hours"] == 3
    assert rows["voice"]["after_hours"] == 0
    # Tuesday 2 April's opening is after the data's last offered day (29 March): not in a report without --to
    assert rows["email"]["backlog_at_open"] == 0
    # with --to 2 April it is: E1-E3 (offered on Good Friday, closed) were waiting at 08:00Z; E4 was offered
    # within hours (so it is in no backlog), V1 was answered on Thursday
    upto = _report(path, _hours(tmp_path), by="day", sets=sets, date_to=dt.date(2024, 4, 2))
    assert {r["day"]: r["backlog_at_open"] for r in upto.rows.to_dicts()}["2024-04-02"] == 3

    # the same contacts in calendar time: every e-mail waited days -> 0 of 4 within 4 h
    calendar = _report(path, _hours(tmp_path), by="channel", sets={"service_level.threshold_seconds": 4 * 3600})
    assert {r["channel"]: r["service_level"] for r in calendar.rows.to_dicts()}["email"] == 0.0


def test_a_threshold_used_up_at_a_boundary_meets_only_up_to_it(tmp_path):
    # threshold 5400 s = the 90 business minutes of E1 exactly: met (<=); E4 too; E2/E3 not
    path = _csv(tmp_path, EASTER[:4])
    sets = {"service_level.clock": "business", "service_level.threshold_seconds": 5400}
    rows = _report(path, _hours(tmp_path), sets=sets).rows.to_dicts()
    assert rows[0]["service_level"] == 0.5


JUNE = [
    # Friday 7 June 18:00Z (19:00 BST, after closing) -> Monday 10 June 07:59Z (08:59 BST, before opening): 0 min
    ("J1", "2024-06-07T18:00:00Z", "2024-06-10T07:59:00Z", "2024-06-10T08:10:00Z", "email"),
    # Friday 20:00Z, abandoned Monday 12:00Z: still waiting at Monday's 08:00Z opening -> backlog
    ("J2", "2024-06-07T20:00:00Z", "", "2024-06-10T12:00:00Z", "email"),
    # Saturday 10:00Z, answered Monday 08:05Z (09:05 BST): backlog, and 5 business minutes
    ("J3", "2024-06-08T10:00:00Z", "2024-06-10T08:05:00Z", "2024-06-10T08:15:00Z", "email"),
    # Tuesday 11 June, boundaries: offered exactly at the opening (08:00Z = 09:00 BST): within hours, 600 s
    ("B1", "2024-06-11T08:00:00Z", "2024-06-11T08:10:00Z", "2024-06-11T08:20:00Z", "email"),
    # offered exactly at closing (16:00Z = 17:00 BST): after hours; answered exactly at Wednesday's opening:
    # 0 business seconds, and not in Wednesday's backlog (no longer waiting at the opening)
    ("B2", "2024-06-11T16:00:00Z", "2024-06-12T08:00:00Z", "2024-06-12T08:10:00Z", "email"),
    # one second before closing to one second after: 1 business second
    ("B3", "2024-06-11T15:59:59Z", "2024-06-11T16:00:01Z", "2024-06-11T16:05:00Z", "email"),
]


def test_after_hours_and_backlog_at_open_by_day(tmp_path):
    report = _report(_csv(tmp_path, JUNE), _hours(tmp_path), by="day")
    rows = {r["day"]: r for r in report.rows.to_dicts()}
    # 12 June: no contact offered, no backlog, but agent time (B2 handled 08:00Z-08:10Z): --by day is an
    # agent-time grouping, whose rows include the days with handling time
    assert list(rows) == ["2024-06-07", "2024-06-08", "2024-06-10", "2024-06-11", "2024-06-12"]
    assert (rows["2024-06-12"]["offered"], rows["2024-06-12"]["backlog_at_open"]) == (0, 0)
    # Friday: J1 and J2 offered after hours; J1 answered with 0 business seconds (J2 abandoned: not in ASA)
    assert (rows["2024-06-07"]["after_hours"], rows["2024-06-07"]["offered"]) == (2, 2)
    assert rows["2024-06-07"]["asa_business_seconds"] == 0.0
    assert rows["2024-06-07"]["after_hours_rate"] == 1.0
    assert rows["2024-06-08"]["asa_business_seconds"] == 300.0
    # Monday 10 June: nothing offered, a backlog of 2 (J2 and J3; J1 was answered before the opening)
    assert rows["2024-06-10"]["offered"] == 0
    assert rows["2024-06-10"]["backlog_at_open"] == 2
    assert rows["2024-06-10"]["after_hours_rate"] is None  # nothing offered: null, not 0
    assert rows["2024-06-07"]["backlog_at_open"] == 0
    # Tuesday: B1 within hours, B2 after hours (at closing), B3 within; business waits 600, 0, 1
    assert rows["2024-06-11"]["after_hours"] == 1
    assert rows["2024-06-11"]["after_hours_rate"] == pytest.approx(1 / 3)
    assert rows["2024-06-11"]["asa_business_seconds"] == pytest.approx(601 / 3)
    assert rows["2024-06-11"]["backlog_at_open"] == 0
    # without --by: the totals
    total = _report(_csv(tmp_path, JUNE), _hours(tmp_path)).rows.to_dicts()[0]
    assert (total["after_hours"], total["backlog_at_open"], total["offered"]) == (4, 2, 6)


def test_the_backlog_of_an_opening_in_the_period_counts_contacts_offered_before_it(tmp_path):
    # --from Monday 10 June: J2 and J3 were offered before the period, and wait at its first opening
    report = _report(
        _csv(tmp_path, JUNE), _hours(tmp_path), by="day", date_from=dt.date(2024, 6, 10), date_to=dt.date(2024, 6, 12)
    )
    rows = {r["day"]: r for r in report.rows.to_dicts()}
    assert rows["2024-06-10"]["backlog_at_open"] == 2
    assert rows["2024-06-11"]["offered"] == 3
    # --to Sunday 9 June: Monday's opening is outside the period
    before = _report(_csv(tmp_path, JUNE), _hours(tmp_path), date_to=dt.date(2024, 6, 9)).rows.to_dicts()[0]
    assert before["backlog_at_open"] == 0


def test_weekday_by_hour_of_day_heatmap(tmp_path):
    report = _report(_csv(tmp_path, JUNE), _hours(tmp_path), by="weekday,hour_of_day")
    rows = [(r["weekday"], r["hour_of_day"], r["offered"], r["backlog_at_open"]) for r in report.rows.to_dicts()]
    # local (BST) hours: Fri 19:00 (J1), 21:00 (J2); Sat 11:00 (J3); Mon opening 09:00 (backlog 2);
    # Tue 09:00 (B1), 16:59 (B3), 17:00 (B2); and the hours with only handling time (agent time): Mon 08:59 (J1
    # answered 07:59Z), Wed 09:00 (B2 answered at 08:00Z)
    assert rows == [
        ("1 Monday", 8, 0, 0),
        ("1 Monday", 9, 0, 2),
        ("2 Tuesday", 9, 1, 0),
        ("2 Tuesday", 16, 1, 0),
        ("2 Tuesday", 17, 1, 0),
        ("3 Wednesday", 9, 0, 0),
        ("5 Friday", 19, 1, 0),
        ("5 Friday", 21, 1, 0),
        ("6 Saturday", 11, 1, 0),
    ]


def test_hour_of_day_is_the_local_wall_clock_hour_across_the_clock_change(tmp_path):
    # 00:30Z on 30 March is 00:30 GMT; 00:30Z on 1 April is 01:30 BST
    path = _csv(
        tmp_path,
        [
            ("D1", "2024-03-30T00:30:00Z", "2024-03-30T00:31:00Z", "2024-03-30T00:40:00Z", "voice"),
            ("D2", "2024-04-01T00:30:00Z", "2024-04-01T00:31:00Z", "2024-04-01T00:40:00Z", "voice"),
        ],
    )
    rows = _report(path, None, by="hour_of_day").rows.to_dicts()
    assert [(r["hour_of_day"], r["offered"]) for r in rows] == [(0, 1), (1, 1)]
    rows = _report(path, None, by="weekday").rows.to_dicts()
    assert [(r["weekday"], r["offered"]) for r in rows] == [("1 Monday", 1), ("6 Saturday", 1)]


def test_without_opening_hours_the_calendar_metrics_are_absent_and_asking_for_them_is_an_error(tmp_path):
    path = _csv(tmp_path, JUNE)
    report = _report(path, None)
    assert "after_hours" not in report.rows.columns
    assert "backlog_at_open" not in report.rows.columns
    with pytest.raises(ConfigError, match=r"backlog_at_open need\(s\) opening hours: give --hours FILE"):
        _report(path, None, metrics=["offered", "backlog_at_open"])
    with pytest.raises(ConfigError, match=r"service_level\.clock = business \(channel email\) needs opening hours"):
        _report(path, None, sets={"channels.email.service_level.clock": "business"})


def test_a_contact_without_a_calendar_is_left_out_of_the_business_service_level(tmp_path):
    # only e-mail has a calendar; a call judged on the business clock has no business wait: in neither part
    text = textwrap.dedent("""\
        [calendars.office]
        timezone = "Europe/London"
        [calendars.office.week]
        mon = "09:00-17:00"
        [channels.email]
        calendar = "office"
    """)
    path = _csv(
        tmp_path,
        [
            # Monday 10 June 08:00Z (09:00 BST) answered 08:00:30Z: 30 business seconds
            ("M1", "2024-06-10T08:00:00Z", "2024-06-10T08:00:30Z", "2024-06-10T08:05:00Z", "email"),
            ("M2", "2024-06-10T08:00:00Z", "2024-06-10T08:00:10Z", "2024-06-10T08:05:00Z", "voice"),
        ],
    )
    sets = {"service_level.clock": "business", "service_level.threshold_seconds": 20}
    rows = {r["channel"]: r for r in _report(path, _hours(tmp_path, text), by="channel", sets=sets).rows.to_dicts()}
    assert rows["email"]["service_level"] == 0.0  # 30 s > 20 s
    assert rows["voice"]["service_level"] is None  # no calendar: not counted, so no share
    assert rows["voice"]["asa_business_seconds"] is None
    assert rows["email"]["asa_business_seconds"] == 30.0


def test_calendars_in_csmetrics_toml_assigned_per_queue(tmp_path):
    config_path = tmp_path / "csmetrics.toml"
    config_path.write_text(
        GB_HOURS
        + textwrap.dedent("""\
            [service_level]
            threshold_seconds = 30
            [calendars.weekend]
            timezone = "Europe/London"
            [calendars.weekend.week]
            sat = "00:00-24:00"
            sun = "00:00-24:00"
            [queues.q]
            calendar = "weekend"
        """),
        encoding="utf-8",
    )
    config = Config.read(config_path)
    assert config.values == {"timezone": "Europe/London", "service_level.threshold_seconds": 30}
    hours = api.opening_hours(config)
    assert set(hours.calendars) == {"default", "weekend"}
    assert dict(hours.queue_calendars) == {"q": "weekend"}
    request = api.ReportRequest(
        inputs=api.Inputs(interactions=(str(_csv(tmp_path, JUNE[:3])),)),
        definitions=api.definitions(config=config),
        hours=hours,
    )
    row = api.report(request).rows.to_dicts()[0]
    # queue q is open all weekend: J1 (Fri 19:00 BST) and J2 (Fri 21:00) were offered while it was closed, J3
    # (Sat 11:00) while open. J1: Sat+Sun = 48 h until Monday 00:00 BST; J3: 13:00Z Sat... = Sat 10:00Z to
    # Sun 23:00Z (Monday 00:00 BST) = 37 h. Mean of the answered: (48 + 37) / 2 h.
    assert row["after_hours"] == 2
    assert row["asa_business_seconds"] == pytest.approx((48 + 37) / 2 * 3600)
    # the backlog waits for the Saturday 00:00 BST opening (Friday 23:00Z): J1 and J2 were still waiting
    assert row["backlog_at_open"] == 2


# --- the command line -----------------------------------------------------------------------------------------


def test_cli_report_with_hours_by_weekday_and_hour_of_day_on_the_sample(cli):
    result = cli(
        "report", SAMPLE, "--hours", SAMPLE_HOURS, "--by", "weekday,hour_of_day", "--format", "json",
        "--metrics", "offered,after_hours,backlog_at_open",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = doc["rows"]
    assert {r["weekday"] for r in rows} == {f"{i} {d}" for i, d in enumerate(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], start=1)}  # fmt: skip
    assert {r["hour_of_day"] for r in rows} <= set(range(24))
    offered = cli("report", SAMPLE, "--format", "json", "--metrics", "offered")
    assert sum(r["offered"] for r in rows) == json.loads(offered.stdout)["rows"][0]["offered"]
    assert sum(r["backlog_at_open"] for r in rows) > 0
    # the backlog is reported at the openings: 08:00 (default calendar) or 09:00 (back office) on weekdays,
    # 09:00 on Saturdays (report time zone UTC = GMT in March)
    assert {r["hour_of_day"] for r in rows if r["backlog_at_open"]} <= {8, 9}


def test_cli_bad_hours_file_exits_2_naming_the_file_and_key(cli, tmp_path):
    bad = _hours(tmp_path, 'timezone = "Europe/London"\n[week]\nmon = "9-5"\n')
    result = cli("report", SAMPLE, "--hours", bad)
    assert result.exit_code == 2
    assert f'{bad}: week.mon: "9-5" is not HH:MM-HH:MM' in result.stderr
    result = cli("report", SAMPLE, "--metrics", "after_hours")
    assert result.exit_code == 2
    assert "after_hours need(s) opening hours" in result.stderr


# --- the sample's e-mail business-time service level, computed independently ----------------------------------


def _open_intervals(first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The back office's open intervals in UTC, by zoneinfo: Mon-Fri 09:00-17:00 London, closed on England's
    holidays and on 15 March 2024, 09:00-12:00 on 13 March (examples/hours/closures.csv)."""
    closed = holidays_package.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
    special = {dt.date(2024, 3, 13): (9, 12), dt.date(2024, 3, 15): None}
    out = []
    day = first
    while day <= last:
        hours = special[day] if day in special else (None if day in closed or day.isoweekday() > 5 else (9, 17))
        if hours is not None:
            start = dt.datetime.combine(day, dt.time(hours[0]), LONDON).astimezone(UTC)
            end = dt.datetime.combine(day, dt.time(hours[1]), LONDON).astimezone(UTC)
            out.append((start, end))
        day += dt.timedelta(days=1)
    return out


def test_sample_email_business_service_level_matches_an_independent_computation():
    sets = {
        "channels.email.service_level.clock": "business",
        "channels.email.service_level.threshold_seconds": 2 * 3600,
    }
    request = api.ReportRequest(
        inputs=api.Inputs(interactions=(str(SAMPLE),)),
        definitions=api.definitions(sets=sets),
        group_by="channel",
        hours=load_hours_file(SAMPLE_HOURS),
    )
    with api.open_session(request.inputs, request.resolved()) as session:
        report = run_report(session, session.definitions, request.spec)
        # the contacts the report counts (the pipeline's checked contacts: duplicates merged, bad rows out)
        contacts = session.query(
            "SELECT c.offered_at, coalesce(c.answered_at, c.ended_at) AS handled_at, c.outcome = 'answered' AS answered "
            "FROM contacts AS c WHERE c.channel = 'email' AND c.direction = 'inbound' AND c.outcome <> 'in_progress' "
            "AND NOT (c.outcome = 'abandoned' AND c.wait_seconds < 5)"
        ).to_dicts()
    assert len(contacts) > 50
    intervals = _open_intervals(dt.date(2024, 2, 1), dt.date(2024, 5, 31))
    met = 0
    for c in contacts:
        start, end = c["offered_at"].astimezone(UTC), c["handled_at"].astimezone(UTC)
        business = sum(max((min(end, b) - max(start, a)).total_seconds(), 0) for a, b in intervals)
        met += c["answered"] and business <= 2 * 3600
    expected = met / len(contacts)
    email = next(r for r in report.rows.to_dicts() if r["channel"] == "email")
    assert email["service_level"] == pytest.approx(expected, abs=1e-12)
    assert 0 < expected < 1  # a share that tells met from missed apart


def test_parse_hours_of_the_shipped_example():
    hours = load_hours_file(SAMPLE_HOURS)
    assert set(hours.calendars) == {"default", "backoffice"}
    assert dict(hours.channel_calendars) == {"email": "backoffice"}
    assert parse_hours({}) == api.opening_hours()


def test_the_document_carries_the_calendars_and_they_change_the_fingerprint(tmp_path):
    from test_json_contract import validate

    path = _csv(tmp_path, JUNE)
    plain = _report(path, None)
    gb = _report(path, _hours(tmp_path))
    doc = gb.to_document()
    validate(json.loads(json.dumps(doc, default=str)), "report.schema.json")
    assert "opening_hours" not in plain.to_document()
    assert doc["opening_hours"]["calendars"]["default"] == {
        "timezone": "Europe/London",
        "holidays": "GB-ENG",
        "week": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00"),
        "closures": {},
    }
    assert doc["opening_hours"]["holidays_version"] == holidays_package.__version__
    # the same parameters under other opening hours: another fingerprint; the same hours: the same one
    later = _report(path, _hours(tmp_path, GB_HOURS.replace("09:00-17:00", "10:00-17:00")))
    assert len({plain.fingerprint, gb.fingerprint, later.fingerprint}) == 3
    assert _report(path, _hours(tmp_path)).fingerprint == gb.fingerprint
