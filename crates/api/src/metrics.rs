//! Prometheus metrics: requests by route and status, latency histograms by route, tokens issued.
//! Routes are the matched route templates, so the label set stays small.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

const BUCKETS_SECONDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// One route's counters. Every observation touches one bucket, the count, the sum and one
/// status counter: few atomic writes, no allocation, no lock but uncontended read locks.
#[derive(Default)]
struct RouteStats {
    /// Observations that fell into each bucket alone; `render` accumulates them, as Prometheus
    /// buckets are cumulative.
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    by_status: RwLock<BTreeMap<u16, AtomicU64>>,
}

impl RouteStats {
    fn record(&self, status: u16, seconds: f64) {
        let bucket = BUCKETS_SECONDS.partition_point(|bound| *bound < seconds);
        if let Some(bucket) = self.buckets.get(bucket) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        if let Some(counter) = self
            .by_status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&status)
        {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.by_status
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(status)
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// method → route → stats. Nested so the hot path looks both up by `&str`, allocation-free.
type RouteTable = BTreeMap<String, BTreeMap<String, RouteStats>>;

#[derive(Default)]
pub struct Metrics {
    routes: RwLock<RouteTable>,
    tokens_issued: RwLock<BTreeMap<String, Arc<AtomicU64>>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Some(stats) = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(method)
            .and_then(|routes| routes.get(route))
        {
            stats.record(status, seconds);
            return;
        }
        // The first request of a route: the only time the write lock is taken for it.
        self.routes
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(method.to_owned())
            .or_default()
            .entry(route.to_owned())
            .or_default()
            .record(status, seconds);
    }

    pub fn token_issued(&self, grant_type: &str) {
        let counter = self
            .tokens_issued
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(grant_type)
            .cloned();
        let counter = counter.unwrap_or_else(|| {
            self.tokens_issued
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(grant_type.to_owned())
                .or_default()
                .clone()
        });
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP sentral_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE sentral_http_requests_total counter\n");
        for (method, route, stats) in flatten(&routes) {
            for (status, count) in stats
                .by_status
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
            {
                let _ = writeln!(
                    out,
                    "sentral_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                    count.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str("# HELP sentral_http_request_duration_seconds HTTP request latency by method and route.\n");
        out.push_str("# TYPE sentral_http_request_duration_seconds histogram\n");
        for (method, route, stats) in flatten(&routes) {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            let mut cumulative = 0;
            for (bucket, bound) in stats.buckets.iter().zip(BUCKETS_SECONDS) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "sentral_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = stats.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "sentral_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = stats.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "sentral_http_request_duration_seconds_sum{{{labels}}} {sum}"
            );
            let _ = writeln!(
                out,
                "sentral_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        out.push_str("# HELP sentral_tokens_issued_total Access tokens issued by grant type.\n");
        out.push_str("# TYPE sentral_tokens_issued_total counter\n");
        for (grant, count) in self
            .tokens_issued
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "sentral_tokens_issued_total{{grant_type=\"{grant}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        out
    }
}

/// The event delivery counters of `MonitorHub::metrics`, in the same exposition format; `/metrics`
/// appends them to `Metrics::render`.
pub fn render_event_delivery(out: &mut String, metrics: &sentral_events::HubMetrics) {
    let series = [
        (
            "sentral_event_monitors",
            "gauge",
            "Monitors alive on this node.",
            metrics.monitors,
        ),
        (
            "sentral_event_envelopes_total",
            "counter",
            "Events addressed to monitors.",
            metrics.published,
        ),
        (
            "sentral_webhook_delivered_total",
            "counter",
            "Webhook events the receiver accepted.",
            metrics.delivered,
        ),
        (
            "sentral_webhook_retries_total",
            "counter",
            "Webhook attempts repeated after a retryable failure.",
            metrics.retried,
        ),
        (
            "sentral_webhook_gave_up_total",
            "counter",
            "Webhook events given up (attempts exhausted, refused, queue full).",
            metrics.gave_up,
        ),
        (
            "sentral_event_streams_dropped_total",
            "counter",
            "Event streams disconnected for falling too far behind.",
            metrics.dropped_streams,
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
}

/// The store's writes and the commits that made them durable (SQLite shares commits between
/// concurrent writes: writes / commits is the group size).
pub fn render_store_commits(out: &mut String, stats: Option<(u64, u64)>) {
    let Some((writes, commits)) = stats else {
        return;
    };
    for (name, help, value) in [
        (
            "sentral_store_writes_total",
            "Write transactions committed.",
            writes,
        ),
        (
            "sentral_store_commits_total",
            "Commits (fsyncs) that made them durable.",
            commits,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
        );
    }
}

/// The cluster link (only with `nats-url`): NATS up, cache invalidations sent and received.
pub fn render_cluster(
    out: &mut String,
    invalidations: &sentral_services::invalidation::Invalidations,
    ownership: Option<sentral_services::cluster::OwnershipSnapshot>,
    telephony: sentral_services::telephony::ClusterCounters,
) {
    // Engine ownership: on PostgreSQL, with or without NATS.
    if let Some(owned) = ownership {
        for (name, kind, help, value) in [
            (
                "sentral_cluster_owned_engines",
                "gauge",
                "Enterprise telephony engines whose lease this node holds.",
                owned.owned,
            ),
            (
                "sentral_cluster_lease_takeovers_total",
                "counter",
                "Leases this node took over from a node that let them expire.",
                owned.takeovers,
            ),
            (
                "sentral_cluster_leases_lost_total",
                "counter",
                "Leases this node stepped down from (taken over, or not renewed in time).",
                owned.lost,
            ),
            (
                "sentral_cluster_forwarded_commands_total",
                "counter",
                "Call-control requests this node forwarded to the owner of the engine on another node.",
                telephony.forwarded,
            ),
            (
                "sentral_cluster_journal_replayed_total",
                "counter",
                "Journal entries replayed by this node to restore engines it took over.",
                telephony.replayed,
            ),
            (
                "sentral_cluster_journal_lag",
                "gauge",
                "Journal entries of this node's engines not yet covered by a snapshot (what a takeover would replay).",
                telephony.unsnapshotted,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
    }
    let Some(connected) = invalidations.connected() else {
        return;
    };
    let counts = invalidations.metrics();
    for (name, kind, help, value) in [
        (
            "sentral_nats_connected",
            "gauge",
            "1 while NATS answers and this node is subscribed, else 0.",
            u64::from(connected),
        ),
        (
            "sentral_invalidations_sent_total",
            "counter",
            "Cache invalidations sent to the other nodes.",
            counts.sent,
        ),
        (
            "sentral_invalidations_received_total",
            "counter",
            "Cache invalidations received from other nodes.",
            counts.received,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
}

/// Every (method, route, stats) in label order.
fn flatten(routes: &RouteTable) -> impl Iterator<Item = (&str, &str, &RouteStats)> {
    routes.iter().flat_map(|(method, by_route)| {
        by_route
            .iter()
            .map(move |(route, stats)| (method.as_str(), route.as_str(), stats))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_shows_cumulative_buckets_and_counts_by_status() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/a", 200, 0.0004);
        metrics.observe("GET", "/a", 200, 0.003);
        metrics.observe("GET", "/a", 401, 7.0);
        metrics.observe("POST", "/b", 200, 0.001);
        metrics.token_issued("password");
        let text = metrics.render();
        let a = "method=\"GET\",route=\"/a\"";
        for line in [
            format!("sentral_http_requests_total{{{a},status=\"200\"}} 2"),
            format!("sentral_http_requests_total{{{a},status=\"401\"}} 1"),
            format!("sentral_http_request_duration_seconds_bucket{{{a},le=\"0.0005\"}} 1"),
            format!("sentral_http_request_duration_seconds_bucket{{{a},le=\"0.0025\"}} 1"),
            format!("sentral_http_request_duration_seconds_bucket{{{a},le=\"0.005\"}} 2"),
            format!("sentral_http_request_duration_seconds_bucket{{{a},le=\"5\"}} 2"),
            format!("sentral_http_request_duration_seconds_bucket{{{a},le=\"+Inf\"}} 3"),
            format!("sentral_http_request_duration_seconds_count{{{a}}} 3"),
            "sentral_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b\",le=\"0.001\"} 1".to_owned(),
            "sentral_tokens_issued_total{grant_type=\"password\"} 1".to_owned(),
        ] {
            assert!(text.contains(&format!("{line}\n")), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn event_delivery_counters_render_one_series_each() {
        let mut text = String::new();
        render_event_delivery(
            &mut text,
            &sentral_events::HubMetrics {
                monitors: 3,
                gave_up: 2,
                ..sentral_events::HubMetrics::default()
            },
        );
        assert!(text.contains("# TYPE sentral_event_monitors gauge\nsentral_event_monitors 3\n"));
        assert!(
            text.contains("\nsentral_webhook_gave_up_total 2\n"),
            "{text}"
        );
        assert_eq!(text.matches("# TYPE").count(), 6);
    }
}
