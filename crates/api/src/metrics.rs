//! Prometheus metrics: requests by route and status, latency histograms by route, tokens issued.
//! Routes are the matched route templates, so the label set stays small.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

const BUCKETS_SECONDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    by_status: RwLock<BTreeMap<u16, Arc<AtomicU64>>>,
}

#[derive(Default)]
pub struct Metrics {
    routes: RwLock<BTreeMap<(String, String), Arc<RouteStats>>>,
    tokens_issued: RwLock<BTreeMap<String, Arc<AtomicU64>>>,
}

impl Metrics {
    fn route(&self, method: &str, route: &str) -> Arc<RouteStats> {
        let key = (method.to_owned(), route.to_owned());
        if let Some(stats) = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return stats.clone();
        }
        self.routes
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let stats = self.route(method, route);
        for (bucket, bound) in stats.buckets.iter().zip(BUCKETS_SECONDS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        stats.count.fetch_add(1, Ordering::Relaxed);
        stats
            .sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        let counter = stats
            .by_status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&status)
            .cloned();
        let counter = counter.unwrap_or_else(|| {
            stats
                .by_status
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(status)
                .or_default()
                .clone()
        });
        counter.fetch_add(1, Ordering::Relaxed);
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
        for ((method, route), stats) in routes.iter() {
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
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bucket, bound) in stats.buckets.iter().zip(BUCKETS_SECONDS) {
                let _ = writeln!(
                    out,
                    "sentral_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    bucket.load(Ordering::Relaxed)
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

pub async fn middleware(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
