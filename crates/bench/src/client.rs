//! Minimal HTTP/1.1 client plumbing on raw `hyper::client::conn::http1`
//! connections, shared by the load generator and the `run` orchestrator.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Request body type used everywhere (GETs send an empty `Full`).
pub type Body = Full<Bytes>;

/// A raw client connection: the request sender plus the connection future
/// that must be polled (spawned or `select!`ed) for anything to happen.
pub type Conn = (
    SendRequest<Body>,
    http1::Connection<TokioIo<TcpStream>, Body>,
);

/// One pre-parsed header line (`Name: value`).
pub type Header = (HeaderName, HeaderValue);

/// Where requests go: a resolved socket address, the `Host` header value and
/// the origin-form path (with query).
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub authority: String,
    pub path: String,
}

impl Target {
    /// Parses and resolves an `http://host[:port]/path?query` URL.
    pub async fn parse(url: &str) -> Result<Target, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("invalid URL {url:?}: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => return Err(format!("unsupported scheme {other:?} (only http://)")),
            None => return Err(format!("URL {url:?} needs an http:// scheme")),
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("URL {url:?} has no host"))?
            .clone();
        let port = authority.port_u16().unwrap_or(80);
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host} resolved to no address"))?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        Ok(Target {
            addr,
            authority: authority.as_str().to_owned(),
            path,
        })
    }

    /// A target on `127.0.0.1:port`.
    pub fn loopback(port: u16, path: &str) -> Target {
        Target {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            authority: format!("127.0.0.1:{port}"),
            path: path.to_owned(),
        }
    }

    /// Same host, another path.
    pub fn with_path(&self, path: &str) -> Target {
        Target {
            path: path.to_owned(),
            ..self.clone()
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}{}", self.authority, self.path)
    }
}

/// Parses a `Name: value` header argument.
pub fn parse_header(line: &str) -> Result<Header, String> {
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("header {line:?} is not of the form 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|e| format!("invalid header name in {line:?}: {e}"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|e| format!("invalid header value in {line:?}: {e}"))?;
    Ok((name, value))
}

/// Builds a request for `target` with the given extra headers and body.
pub fn build_request(
    target: &Target,
    method: Method,
    headers: &[Header],
    body: Bytes,
) -> Request<Body> {
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = method;
    // The path was validated when the target was built; fall back to "/"
    // rather than panicking if a caller handed us something odd.
    *req.uri_mut() = target
        .path
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let map = req.headers_mut();
    if let Ok(host) = HeaderValue::from_str(&target.authority) {
        map.insert(header::HOST, host);
    }
    for (name, value) in headers {
        map.append(name.clone(), value.clone());
    }
    req
}

/// Opens a TCP connection (`TCP_NODELAY`) and performs the HTTP/1 handshake.
pub async fn connect(addr: SocketAddr) -> Result<Conn, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("set_nodelay: {e}"))?;
    http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with {addr}: {e}"))
}

/// One request/response, reading (and discarding) the whole body.
pub async fn round_trip(
    sender: &mut SendRequest<Body>,
    req: Request<Body>,
) -> Result<StatusCode, hyper::Error> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let mut body = resp.into_body();
    while let Some(frame) = body.frame().await {
        frame?;
    }
    Ok(status)
}

/// A keep-alive connection whose driver runs in a spawned task; for the
/// low-rate request paths (readiness probes, token grants).
pub struct Client {
    target: Target,
    sender: SendRequest<Body>,
    driver: tokio::task::JoinHandle<()>,
}

impl Client {
    pub async fn connect(target: &Target) -> Result<Client, String> {
        let (sender, conn) = connect(target.addr).await?;
        let driver = tokio::spawn(async move {
            // Errors surface through `send_request`; nothing to do here.
            let _ = conn.await;
        });
        Ok(Client {
            target: target.clone(),
            sender,
            driver,
        })
    }

    /// Sends one request and reads the whole body. Returns status, body and
    /// the wall-clock time from send to last body byte.
    pub async fn send(
        &mut self,
        method: Method,
        headers: &[Header],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes, Duration), String> {
        let req = build_request(&self.target, method, headers, body);
        let url = self.target.url();
        let started = Instant::now();
        self.sender
            .ready()
            .await
            .map_err(|e| format!("{url}: connection not ready: {e}"))?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("{url}: reading body: {e}"))?
            .to_bytes();
        Ok((status, body, started.elapsed()))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// One request on a fresh connection.
pub async fn request_once(
    target: &Target,
    method: Method,
    headers: &[Header],
    body: Bytes,
) -> Result<(StatusCode, Bytes), String> {
    let mut client = Client::connect(target).await?;
    let (status, body, _) = client.send(method, headers, body).await?;
    Ok((status, body))
}

/// Standard base64 (RFC 4648, with padding) — just enough for Basic auth.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                let index = (n >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            (
                "demo-client:demo-secret",
                "ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=",
            ),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "input {plain:?}");
        }
    }

    #[test]
    fn header_parsing() {
        let (name, value) = parse_header("Authorization:  Bearer abc ").unwrap();
        assert_eq!(name, header::AUTHORIZATION);
        assert_eq!(value, "Bearer abc");
        assert!(parse_header("no colon").is_err());
    }
}
