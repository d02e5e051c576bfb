"""The HTML report's chart data (csmetrics/render/html/data.py, sql/charts/), against hand-computed values."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from conftest import HEADER, report_of, session_of

from csmetrics.api import Inputs, ReportRequest, report_with_charts
from csmetrics.definitions.config import resolve
from csmetrics.pipeline.report import ReportSpec
from csmetrics.render.html.charts import inline_svg
from csmetrics.render.html.data import averaged_days, collect, previous_period, series_grouping
from csmetrics.render.html.text import change, direction

# Waits: answered 0, 10, 20 (exactly the default threshold), 20.5 and 45 s; abandoned 8 and 30 s; a short
# abandon of 2 s (under abandon.short_abandon_seconds = 5: in no figure). Monday 4 March and Tuesday 5 March
# 2024, and the short abandon on Monday 11 March: the period is 4-11 March (8 days, two Mondays, one Tuesday).
CONTACTS = (
    HEADER
    + """
c1,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,2024-03-04T09:05:00Z,voice,inbound,q,a1,k1,r,,,,
c2,2024-03-04T09:01:00Z,2024-03-04T09:01:10Z,2024-03-04T09:05:00Z,voice,inbound,q,a1,k2,r,,,,
c3,2024-03-04T09:02:00Z,2024-03-04T09:02:20Z,2024-03-04T09:05:00Z,voice,inbound,q,a1,k3,r,,,,
c4,2024-03-04T09:03:00Z,2024-03-04T09:03:20.5Z,2024-03-04T09:05:00Z,voice,inbound,q,a1,k4,r,,,,
c5,2024-03-04T10:04:00Z,2024-03-04T10:04:45Z,2024-03-04T10:09:00Z,voice,inbound,q,a1,k5,r,,,,
c6,2024-03-05T09:05:00Z,,2024-03-05T09:05:08Z,voice,inbound,q,,k6,r,,,,
c7,2024-03-05T14:06:00Z,,2024-03-05T14:06:30Z,voice,inbound,q,,k7,r,,,,
c8,2024-03-11T09:07:00Z,,2024-03-11T09:07:02Z,voice,inbound,q,,k8,r,,,,
"""
)


@pytest.fixture
def contacts(write_csv):
    return write_csv(CONTACTS)


def chart_data(path, spec=None, **params):
    definitions = resolve(assignments=params)
    spec = spec or ReportSpec()
    session = session_of([path], definitions=definitions)
    try:
        report = report_of(session, definitions, group_by=spec.group_by, date_from=spec.date_from, date_to=spec.date_to)
        return collect(session, definitions, spec, report)
    finally:
        session.close()


def curve_at(data, seconds):
    row = data.answered_within.filter(seconds=seconds)
    assert row.height == 1, seconds
    return row.row(0, named=True)


@pytest.mark.parametrize(
    ("denominator", "at_20", "at_21", "at_0"),
    [
        # answered within 20 s: 0, 10, 20 (3); within 21 s also 20.5 (4); abandoned within 20 s: the 8 s one
        ("offered", 3 / 7, 4 / 7, 1 / 7),
        ("answered", 3 / 5, 4 / 5, 1 / 5),
        # answered + abandoned with wait > T: 5 + 1 at 20 and 21 s, 5 + 2 at 0 s
        ("exclude_early_abandons", 3 / 6, 4 / 6, 1 / 7),
        # abandons within T count as met: 3 + 1 at 20 s, 4 + 1 at 21 s, 1 + 0 at 0 s
        ("early_abandons_met", 4 / 7, 5 / 7, 1 / 7),
    ],
)
def test_answered_within_is_the_service_level_at_every_threshold(contacts, denominator, at_20, at_21, at_0):
    data = chart_data(contacts, **{"service_level.denominator": denominator})
    assert curve_at(data, 20)["share"] == pytest.approx(at_20)
    assert curve_at(data, 21)["share"] == pytest.approx(at_21)
    assert curve_at(data, 0)["share"] == pytest.approx(at_0)
    # at the threshold it is the report's own service level figure
    assert curve_at(data, 20)["share"] == pytest.approx(data.overall.rows.item(0, "service_level"))
    assert (curve_at(data, 20)["answered_within"], curve_at(data, 20)["abandoned_within"]) == (3, 1)


MIXED = (
    "interaction_id,offered_at,answered_at,ended_at,channel,queue\n"
    "v1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z,voice,q1\n"
    "v2,2024-03-04T09:01:00Z,,2024-03-04T09:01:30Z,voice,q1\n"
    "c1,2024-03-04T09:02:00Z,2024-03-04T09:02:40Z,2024-03-04T09:05:00Z,chat,q2\n"
    "c2,2024-03-04T09:03:00Z,,2024-03-04T09:03:08Z,chat,q2\n"
    "v3,2024-03-04T09:04:00Z,,2024-03-04T09:04:12Z,voice,q3\n"
    "v4,2024-03-04T09:05:00Z,2024-03-04T09:05:15Z,2024-03-04T09:09:00Z,voice,q3\n"
)
SCOPED_DENOMINATORS = {
    "channels.chat.service_level.denominator": "answered",
    "queues.q3.service_level.denominator": "exclude_early_abandons",
}


def test_answered_within_judges_each_contact_by_its_own_denominator(write_csv):
    path = write_csv(MIXED)
    data = chart_data(path, **SCOPED_DENOMINATORS)
    # v1, v2: offered (the global denominator); c1, c2: chat -> answered (c2, abandoned, is not counted);
    # v3, v4: queue q3 -> exclude_early_abandons (v3, abandoned after 12 s, is not counted when X >= 12)
    # X = 20: met v1 (10 s), v4 (15 s); counted v1, v2, c1, v4 -> 2/4, the report's service level
    assert curve_at(data, 20)["share"] == pytest.approx(0.5) == data.overall.rows.item(0, "service_level")
    # X = 40: c1 (40 s) is met too -> 3/4
    assert curve_at(data, 40)["share"] == pytest.approx(3 / 4)
    # X = 10: met v1 only; counted v1, v2, c1, v3 (12 s > 10 s) and v4 -> 1/5
    assert curve_at(data, 10)["share"] == pytest.approx(1 / 5)
    assert data.threshold_overrides == [] and data.threshold_text == "20 s"


def test_with_thresholds_of_their_own_the_curve_is_not_the_service_level(write_csv):
    path = write_csv(MIXED)
    data = chart_data(path, **SCOPED_DENOMINATORS, **{"channels.chat.service_level.threshold_seconds": 60})
    assert data.overall.rows.item(0, "service_level") == pytest.approx(3 / 4)  # c1 within chat's 60 s
    assert curve_at(data, 20)["share"] == pytest.approx(0.5)  # every contact at 20 s
    assert data.threshold_overrides == [("channel", "chat", 60)]
    assert data.threshold_text == "20 s; channel chat 60 s"
    from csmetrics.render.html.text import answered_within_alt

    assert (
        "50.0% within 20 s (the service level judges some contacts by other thresholds (20 s; channel chat 60 s))"
        in (answered_within_alt(data))
    )


def test_answered_within_span_and_threshold_point(contacts):
    # 95 % of the 5 answered are answered within 45 s; at least 4 x 20 = 80 s and 60 s; at most 600 s: 0..80 by 1
    data = chart_data(contacts)
    seconds = data.answered_within.get_column("seconds").to_list()
    assert seconds == list(range(81))
    assert curve_at(data, 80)["share"] == pytest.approx(5 / 7)
    # threshold 7 s: span max(45, 28, 60) = 60 s, and the threshold is a point of the curve
    data = chart_data(contacts, **{"service_level.threshold_seconds": 7})
    assert data.answered_within.get_column("seconds").to_list() == list(range(61))
    assert curve_at(data, 7)["share"] == pytest.approx(data.overall.rows.item(0, "service_level"))
    # threshold 1000 s: span min(max(45, 4000, 60), max(15000, 600)) = 4000 s, steps of ceil(4000 / 300) = 14 s,
    # plus the threshold itself
    data = chart_data(contacts, **{"service_level.threshold_seconds": 1000})
    seconds = data.answered_within.get_column("seconds").to_list()
    assert seconds[:3] == [0, 14, 28] and seconds[-1] == 3990 and 1000 in seconds
    assert curve_at(data, 1000)["share"] == pytest.approx(5 / 7)


def test_weekday_by_hour_cells(contacts):
    data = chart_data(contacts)
    cells = {(r["weekday"], r["hour"]): r for r in data.weekly.iter_rows(named=True)}
    assert set(cells) == {(1, 9), (1, 10), (2, 9), (2, 14)}  # the short abandon joins Monday 09:00
    monday_9 = cells[(1, 9)]
    assert (monday_9["offered"], monday_9["service_level"]) == (4, pytest.approx(3 / 4))
    # per day: over the two Mondays and the one Tuesday of 4-11 March
    assert monday_9["offered_per_day"] == pytest.approx(2.0)
    assert cells[(1, 10)]["offered_per_day"] == pytest.approx(0.5)
    assert (cells[(2, 9)]["offered"], cells[(2, 9)]["service_level"], cells[(2, 9)]["offered_per_day"]) == (1, 0.0, 1.0)
    assert data.span_days == 8 and data.has_week


def test_per_day_averages_over_the_contacts_days_when_agent_states_run_on(write_csv, contacts):
    # an agent state on Tuesday 12 March, a day after the last contact: the period is 4-12 March (the data's
    # span), but Tuesday 09:00 is averaged over the one Tuesday with contacts (5 March), not two
    states = write_csv("agent_id,state,started_at,ended_at\na1,available,2024-03-12T09:00:00Z,2024-03-12T10:00:00Z\n")
    request = ReportRequest(Inputs(interactions=(str(contacts),), states=(str(states),)))
    data = report_with_charts(request)
    assert data.report.period == {"from": "2024-03-04", "to": "2024-03-12"} and data.span_days == 9
    assert data.weekly_days == (dt.date(2024, 3, 4), dt.date(2024, 3, 11))
    cells = {(r["weekday"], r["hour"]): r["offered_per_day"] for r in data.weekly.iter_rows(named=True)}
    assert cells[(2, 9)] == pytest.approx(1.0) and cells[(1, 9)] == pytest.approx(2.0)
    # --to given: 12 March is the reader's, a Tuesday without contacts counts
    data = report_with_charts(replace(request, date_to=dt.date(2024, 3, 12)))
    assert data.weekly_days == (dt.date(2024, 3, 4), dt.date(2024, 3, 12))
    assert {(r["weekday"], r["hour"]): r["offered_per_day"] for r in data.weekly.iter_rows(named=True)}[
        (2, 9)
    ] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("period", "contacts", "date_from", "date_to", "days"),
    [
        ((4, 12), (4, 11), None, None, (4, 11)),  # the state log runs a day past the contacts
        ((3, 12), (4, 11), None, None, (4, 11)),  # and a day before them
        ((4, 12), (4, 11), None, 12, (4, 12)),  # --to given: kept
        ((3, 12), (4, 11), 3, None, (3, 11)),  # --from given: kept
        ((4, 12), (None, None), None, None, None),  # no contact
    ],
)
def test_averaged_days(period, contacts, date_from, date_to, days):
    def day(d):
        return dt.date(2024, 3, d) if d is not None else None

    expected = (day(days[0]), day(days[1])) if days else None
    got = averaged_days(
        (day(period[0]), day(period[1])), (day(contacts[0]), day(contacts[1])), day(date_from), day(date_to)
    )
    assert got == expected


def test_weekday_and_hour_are_local_across_a_dst_change(write_csv):
    # 07:30Z on Sunday 10 March 2024 is 03:30 EDT in New York (clocks went from 02:00 EST to 03:00 EDT)
    path = write_csv(
        HEADER + "\nd1,2024-03-10T07:30:00Z,2024-03-10T07:30:05Z,2024-03-10T07:35:00Z,voice,inbound,q,a,k,r,,,,\n"
    )
    data = chart_data(path, timezone="America/New_York")
    assert [(r["weekday"], r["hour"], r["offered"]) for r in data.weekly.iter_rows(named=True)] == [(7, 3, 1)]
    assert not data.has_week
    series = data.series
    assert series.grouping == "interval:15m"  # a one-day report
    assert series.frame.filter(offered=1).get_column("start").to_list() == ["2024-03-10T03:30:00Z"]


def test_series_has_every_bucket_in_local_time(contacts):
    data = chart_data(contacts, timezone="America/New_York")
    frame = data.series.frame
    assert data.series.grouping == "interval:60m"
    # 4-11 March in New York: c8 (09:07Z on the 11th, 05:07 EDT) is still on the 11th; 8 days of hours
    assert frame.height == 8 * 24
    assert frame.get_column("start").head(2).to_list() == ["2024-03-04T00:00:00Z", "2024-03-04T01:00:00Z"]
    row = frame.filter(start="2024-03-04T04:00:00Z").row(0, named=True)  # 09:00Z = 04:00 EST
    assert (row["offered"], row["service_level"]) == (4, pytest.approx(3 / 4))
    empty = frame.filter(start="2024-03-04T12:00:00Z").row(0, named=True)
    assert (empty["offered"], empty["service_level"]) == (0, None)


def test_previous_period_only_when_the_data_holds_all_of_it(contacts):
    # the data runs from 4 to 11 March
    data = chart_data(contacts, ReportSpec(date_from=dt.date(2024, 3, 8), date_to=dt.date(2024, 3, 11)))
    assert data.previous is not None and data.previous.period == {"from": "2024-03-04", "to": "2024-03-07"}
    assert data.previous.rows.item(0, "offered") == 7
    assert data.previous_note == "against 2024-03-04 to 2024-03-07, the previous 4 days"
    data = chart_data(contacts, ReportSpec(date_from=dt.date(2024, 3, 7), date_to=dt.date(2024, 3, 11)))
    assert data.previous is None
    assert "(2024-03-02 to 2024-03-06) is not wholly in the data (the data runs from 2024-03-04 to 2024-03-11)" in (
        data.previous_note
    )
    data = chart_data(contacts, ReportSpec(date_from=dt.date(2024, 3, 12), date_to=dt.date(2024, 3, 13)))
    assert data.previous is not None and data.previous.rows.item(0, "offered") == 0  # 10-11 March: a short abandon
    data = chart_data(contacts, ReportSpec(date_from=dt.date(2024, 3, 13), date_to=dt.date(2024, 3, 14)))
    assert data.previous is None  # 11-12 March: the data ends on the 11th
    assert previous_period((dt.date(2024, 3, 11), dt.date(2024, 3, 17))) == (dt.date(2024, 3, 4), dt.date(2024, 3, 10))


@pytest.mark.parametrize(
    ("days", "grouping"),
    [(1, "interval:15m"), (2, "interval:30m"), (3, "interval:30m"), (4, "interval:60m"), (31, "interval:60m"),
     (32, "day"), (400, "day"), (401, "week")],
)  # fmt: skip
def test_series_bucket_by_period_length(days, grouping):
    assert series_grouping(days) == grouping


@pytest.mark.parametrize(
    ("value", "previous", "unit", "text"),
    [
        (0.7104, 0.7, "ratio", "+1.0 pts"),
        (0.70004, 0.7, "ratio", "\u00b10.0 pts"),  # rounds to no change: no sign
        (0.69996, 0.7, "ratio", "\u00b10.0 pts"),
        (0.68, 0.7, "ratio", "\u22122.0 pts"),
        (125.4, 130, "seconds", "\u22120:05"),
        (3154, 3023, "count", "+131 (+4.3 %)"),
        (5, 0, "count", "+5"),
        (27.36, 33.05, "score", "\u22125.69"),
        (None, 0.5, "ratio", "no figure to compare"),
    ],
)
def test_change_as_a_reader_compares(value, previous, unit, text):
    assert change(value, previous, unit) == text


@pytest.mark.parametrize(
    ("value", "previous", "unit", "way"),
    [
        (0.7104, 0.7, "ratio", "up"),
        (0.69996, 0.7, "ratio", "same"),  # shown as ±0.0 pts: no arrow up or down
        (0.6994, 0.7, "ratio", "down"),  # -0.06 pts is shown as -0.1 pts
        (130.4, 130, "seconds", "same"),
        (125.4, 130, "seconds", "down"),
        (3023, 3023, "count", "same"),
        (27.364, 27.36, "score", "same"),
        (None, 0.5, "ratio", "same"),
    ],
)
def test_the_arrow_follows_the_change_as_shown(value, previous, unit, way):
    assert direction(value, previous, unit) == way


def test_inline_svgs_never_share_an_id():
    svg = '<?xml version="1.0"?><svg width="1"><defs><linearGradient id="gradient_0"/></defs><rect fill="url(#gradient_0)"/></svg>'
    first, second = inline_svg(svg, "c-a", "first & <one>"), inline_svg(svg, "c-b", "second")
    assert 'id="c-a-gradient_0"' in first and 'fill="url(#c-a-gradient_0)"' in first
    assert 'id="c-b-gradient_0"' in second and "gradient_0)" not in second.replace("c-b-gradient_0)", "")
    assert first.startswith('<svg role="img" aria-label="first &amp; &lt;one&gt;"')
