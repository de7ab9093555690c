//! Media types of GraphQL over HTTP: what a POST may carry, and what a response may be.

/// The two response media types the GraphQL-over-HTTP specification defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// `application/graphql-response+json`: status codes follow the outcome.
    GraphQlResponse,
    /// `application/json`: the legacy type, 200 for every well-formed request.
    Json,
}

impl ResponseType {
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseType::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            ResponseType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response type from `Accept`, honouring q-values; `None` means 406.
pub fn negotiate(accept: Option<&str>) -> Option<ResponseType> {
    let accept = match accept.map(str::trim) {
        None | Some("") => return Some(ResponseType::Json),
        Some(a) => a,
    };
    let mut ranges: Vec<(f32, usize, Option<ResponseType>)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next()?.to_ascii_lowercase();
            let mut q = 1.0f32;
            for param in parts {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            let kind = match media.as_str() {
                "application/graphql-response+json" => Some(ResponseType::GraphQlResponse),
                "application/json" | "application/*" | "*/*" => Some(ResponseType::Json),
                _ => None,
            };
            Some((q, i, kind))
        })
        .filter(|(q, _, _)| *q > 0.0)
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, kind)| kind)
}

/// Why a POST body's media type is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyTypeError {
    Missing,
    /// A type a browser can send cross-site without a preflight: never executed.
    SimpleRequest(String),
    Unsupported(String),
    Charset(String),
}

impl BodyTypeError {
    pub fn message(&self) -> String {
        match self {
            BodyTypeError::Missing => {
                "send the request with `Content-Type: application/json`".into()
            }
            BodyTypeError::SimpleRequest(t) => format!(
                "`{t}` is refused: operations must be sent as application/json (cross-site request protection)"
            ),
            BodyTypeError::Unsupported(t) => {
                format!("`{t}` is not supported; use application/json")
            }
            BodyTypeError::Charset(c) => format!("charset `{c}` is not supported; use utf-8"),
        }
    }
}

/// A POST body must be `application/json` in UTF-8 (the default when no charset is given).
pub fn check_body_type(content_type: Option<&str>) -> Result<(), BodyTypeError> {
    let raw = content_type
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(BodyTypeError::Missing)?;
    let mut parts = raw.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    match media.as_str() {
        "application/json" => {}
        "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data" => {
            return Err(BodyTypeError::SimpleRequest(media));
        }
        _ => return Err(BodyTypeError::Unsupported(media)),
    }
    for param in parts {
        if let Some((k, v)) = param.split_once('=')
            && k.trim().eq_ignore_ascii_case("charset")
        {
            let v = v.trim().trim_matches('"');
            if !v.eq_ignore_ascii_case("utf-8") && !v.eq_ignore_ascii_case("utf8") {
                return Err(BodyTypeError::Charset(v.to_owned()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_follows_q_values_and_order() {
        assert_eq!(negotiate(None), Some(ResponseType::Json));
        assert_eq!(
            negotiate(Some("application/json")),
            Some(ResponseType::Json)
        );
        assert_eq!(negotiate(Some("*/*")), Some(ResponseType::Json));
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(ResponseType::GraphQlResponse)
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(ResponseType::Json)
        );
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("application/json;q=0")), None);
    }

    #[test]
    fn browser_simple_request_types_are_refused() {
        for t in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert!(
                matches!(
                    check_body_type(Some(t)),
                    Err(BodyTypeError::SimpleRequest(_))
                ),
                "{t}"
            );
        }
        assert_eq!(check_body_type(None), Err(BodyTypeError::Missing));
        assert!(check_body_type(Some("application/json; charset=UTF-8")).is_ok());
        assert!(matches!(
            check_body_type(Some("application/json; charset=latin1")),
            Err(BodyTypeError::Charset(_))
        ));
    }
}
