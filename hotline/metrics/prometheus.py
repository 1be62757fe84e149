"""``/metrics``: Hotline's figures and health as Prometheus text.

Every series is named ``hotline_*``; queue series carry a ``queue`` label
(a contract).  The live gauges come from the running ACD through the
``ContactCenter`` port; the "today" gauges are the same ``queue_figures``
the wallboard and reports show, over the site's day so far, so a dashboard
never disagrees with the wallboard.  A figure whose denominator is 0 ("–")
is left out rather than exported as 0.

Built per scrape (prometheus-client's text format and metric families):
nothing is counted in the call path for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hotline.center import ContactCenter
from hotline.metrics.agent_figures import AGENT_STATES
from hotline.metrics.intervals import day_bounds
from hotline.metrics.reports import queue_report
from hotline.models import Tenant
from hotline.writer import WRITER

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Families(Collector):
    """A registry's one collector: the families computed for this scrape."""

    def __init__(self, families: list[GaugeMetricFamily | CounterMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._families


def _live_families(center: ContactCenter) -> list[GaugeMetricFamily | CounterMetricFamily]:
    waiting = GaugeMetricFamily("hotline_queue_waiting", "Callers waiting now", labels=["queue"])
    longest = GaugeMetricFamily(
        "hotline_queue_longest_wait_seconds",
        "Age of the oldest caller still waiting",
        labels=["queue"],
    )
    by_state = GaugeMetricFamily(
        "hotline_queue_agents", "Member agents by state", labels=["queue", "state"]
    )
    for name in center.queue_names():
        status = center.queue_status(name) or {}
        callers = list(status.get("waiting", ()))
        waiting.add_metric([name], len(callers))
        longest.add_metric([name], float(status.get("longest_wait_s") or 0.0) if callers else 0.0)
        agents = status.get("agents_by_state", {})
        for state in AGENT_STATES:
            by_state.add_metric([name, state], len(agents.get(state, ())))
    states: Counter[str] = Counter(
        str(agent.get("state", "logged_out")) for agent in center.agent_statuses()
    )
    agents_family = GaugeMetricFamily("hotline_agents", "Agents by state", labels=["state"])
    for state in AGENT_STATES:
        agents_family.add_metric([state], states.get(state, 0))
    connected = GaugeMetricFamily(
        "hotline_ari_connected", "1 while Hotline is connected to Asterisk's ARI"
    )
    connected.add_metric([], 1.0 if center.ari_connected else 0.0)
    published = CounterMetricFamily(
        "hotline_bus_events", "Call, agent and queue events published since start"
    )
    published.add_metric([], float(center.bus.published))
    return [waiting, longest, by_state, agents_family, connected, published, *_health(center)]


def _health(center: ContactCenter) -> list[GaugeMetricFamily | CounterMetricFamily]:
    """Hotline's own health: ARI reconnects, event lag, the writer's backlog."""
    ari = center.ari_health()
    reconnects = CounterMetricFamily(
        "hotline_ari_reconnects", "ARI sessions re-established after the first since start"
    )
    reconnects.add_metric([], float(ari.get("reconnects") or 0.0))
    families: list[GaugeMetricFamily | CounterMetricFamily] = [reconnects]
    lag = ari.get("event_lag_s")
    if lag is not None:  # no sample yet: left out rather than a false 0
        event_lag = GaugeMetricFamily(
            "hotline_ari_event_lag_seconds",
            "Seconds from Asterisk stamping an ARI event to Hotline reading it (sampled)",
        )
        event_lag.add_metric([], lag)
        families.append(event_lag)
    backlog = GaugeMetricFamily(
        "hotline_writer_queue_depth", "Database writes submitted and not yet committed"
    )
    backlog.add_metric([], float(WRITER.pending))
    families.append(backlog)
    return families


_TODAY = (
    ("offered", "hotline_queue_offered_today", "Calls that entered the queue today"),
    ("answered", "hotline_queue_answered_today", "Offered calls connected to an agent today"),
    ("abandoned", "hotline_queue_abandoned_today", "Callers who hung up while waiting today"),
    ("short_abandoned", "hotline_queue_short_abandoned_today", "Abandoned within the threshold"),
    ("overflowed", "hotline_queue_overflowed_today", "Calls that left the queue by a rule today"),
    ("service_level", "hotline_queue_service_level_today", "Service level today (0-1)"),
    ("abandon_rate", "hotline_queue_abandon_rate_today", "Abandon rate today (0-1)"),
    ("asa_s", "hotline_queue_asa_today_seconds", "Mean wait of answered calls today"),
    ("aht_s", "hotline_queue_aht_today_seconds", "Mean talk + hold + wrap-up today"),
)


def _today_families(
    rows: Iterable[dict[str, object]],
) -> list[GaugeMetricFamily | CounterMetricFamily]:
    families = {
        field: GaugeMetricFamily(name, text, labels=["queue"]) for field, name, text in _TODAY
    }
    for row in rows:
        for field, family in families.items():
            value = row.get(field)
            if isinstance(value, int | float):  # None is "–": no sample
                family.add_metric([str(row["queue"])], float(value))
    return list(families.values())


async def exposition(center: ContactCenter, zone: ZoneInfo, now: datetime) -> bytes:
    """The scrape's text: live state, and today's figures of every tenant's queues."""
    day_start, _ = day_bounds(now.astimezone(zone).date(), zone)
    rows: list[dict[str, object]] = []
    for tenant in await Tenant.all().order_by("id"):
        rows.extend(await queue_report(tenant.id, day_start, now, now))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([*_live_families(center), *_today_families(rows)]))
    return generate_latest(registry)
