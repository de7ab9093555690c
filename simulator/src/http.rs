//! Small HTTP helpers shared by the vendor modules: query/form parsing that lets each vendor
//! answer bad input with its own error body, and an error type carrying a finished response.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

/// Decoded `k=v` pairs of a query string or form body, in order.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        Params(url::form_urlencoded::parse(raw).into_owned().collect())
    }

    pub fn query(req: &HttpRequest) -> Self {
        Params::parse(req.query_string().as_bytes())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value, treating `?x=` as absent like the vendors do.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn merged(mut self, other: Params) -> Self {
        self.0.extend(other.0);
        self
    }
}

/// A response a handler gives up with; lets handlers use `?`.
pub(crate) struct ApiError {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(HeaderName, String)>,
}

pub(crate) type ApiResult = Result<HttpResponse, ApiError>;

impl ApiError {
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Self {
        ApiError {
            status,
            content_type: "application/json;charset=UTF-8",
            body: serde_json::to_vec(body).unwrap_or_default(),
            headers: Vec::new(),
        }
    }

    pub fn raw(status: StatusCode, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        ApiError {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiError({})", self.status)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vendor error {}", self.status)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if !self.body.is_empty() {
            res.insert_header((CONTENT_TYPE, self.content_type));
        }
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                res.insert_header((name.clone(), v));
            }
        }
        res.body(self.body.clone())
    }
}

/// A JSON response serialized once, straight from borrowed wire structs.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json;charset=UTF-8")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

pub(crate) fn ok<T: Serialize>(body: &T) -> HttpResponse {
    json(StatusCode::OK, body)
}

/// The bearer token, if the request carries one.
pub(crate) fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `client_id:client_secret` from an HTTP Basic header.
pub(crate) fn basic(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Gateway-style HTML, as a load balancer in front of a vendor answers 502/503/504.
pub(crate) fn gateway_html(status: StatusCode) -> ApiError {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n",
        code = status.as_u16()
    );
    ApiError::raw(status, "text/html", body)
}
