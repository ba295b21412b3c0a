//! What every request passes through, written as plain `tower` services instead of
//! `axum::middleware::from_fn` layers on the router: axum boxes the service and the future of
//! every per-route layer on every request, and `from_fn` boxes once more, which cost a cached
//! read more than its own work (callgrind: a third of its instructions were those copies and
//! allocations).
//!
//! - [`Framed`] wraps the whole router once: the request id (see [`crate::request_id`]), a
//!   panic answered as an internal error in the Telenor envelope, and the debug span.
//! - [`Measured`] is the one per-route layer: the metrics need the matched route template,
//!   which only exists inside the router.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::metrics::Metrics;
use crate::request_id::{self, RequestId};

/// The router with the request frame around it.
#[derive(Clone)]
pub struct Framed<S> {
    inner: S,
}

impl<S> Framed<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S> Service<Request> for Framed<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FramedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let mut id = RequestId::of(&request);
        // At the default level this span is disabled and never built (building it formats its
        // fields, ~10 % of a cached read); error logs name the request id themselves.
        let span = tracing::debug_span!("request", id = %id.as_str(), method = %request.method(), path = %request.uri().path());
        let inner = id.during(|| {
            std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))).ok()
        });
        FramedFuture { inner, id, span }
    }
}

pub struct FramedFuture<F> {
    /// `None` once the handler panicked (in `call` or in a poll).
    inner: Option<F>,
    id: RequestId,
    span: tracing::Span,
}

impl<F> Future for FramedFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let polled = match this.inner.as_mut() {
            Some(inner) => this
                .id
                .during(|| std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx)))),
            None => Err(Box::new("the handler panicked when called") as _),
        };
        let mut response = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(response))) => response,
            Err(_) => {
                this.inner = None;
                this.id.during(panic_response)
            }
        };
        if let Ok(value) = HeaderValue::from_str(this.id.as_str()) {
            response.headers_mut().insert(request_id::HEADER, value);
        }
        Poll::Ready(Ok(response))
    }
}

fn panic_response() -> Response {
    tracing::error!(request_id = %request_id::current(), "a handler panicked");
    crate::telenor::TelenorError::Internal.into_response()
}

/// Requests by method, route and status, and their latency, for `/metrics`.
#[derive(Clone)]
pub struct MeasuredLayer {
    metrics: Arc<Metrics>,
}

impl MeasuredLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for MeasuredLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Measured<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Measured<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = MeasuredFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        MeasuredFuture {
            inner: self.inner.call(request),
            metrics: self.metrics.clone(),
            method,
            route,
            started: Instant::now(),
        }
    }
}

pub struct MeasuredFuture<F> {
    inner: F,
    metrics: Arc<Metrics>,
    method: Method,
    route: Option<MatchedPath>,
    started: Instant,
}

impl<F> Future for MeasuredFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Poll::Ready(Ok(response)) = Pin::new(&mut this.inner).poll(cx) else {
            return Poll::Pending;
        };
        this.metrics.observe(
            this.method.as_str(),
            this.route.as_ref().map_or("unmatched", MatchedPath::as_str),
            response.status().as_u16(),
            this.started.elapsed().as_secs_f64(),
        );
        Poll::Ready(Ok(response))
    }
}
