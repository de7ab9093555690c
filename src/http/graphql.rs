//! `/graphql` over HTTP, by the GraphQL-over-HTTP specification: POST with JSON, GET for
//! queries only, content negotiation, and refusal of browser "simple" requests.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Request, Variables};
use serde_json::{Map, Value, json};

use super::negotiate::{ResponseType, check_body_type, negotiate};
use crate::domain::tokens::{self, Principal};
use crate::error::AppError;
use crate::graphql::AppSchema;
use crate::state::AppState;

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A response carrying only `errors` (no `data`): the request never reached execution.
fn request_error(
    status: StatusCode,
    kind: ResponseType,
    code: &str,
    message: &str,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(kind.content_type())
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

fn bad_request(kind: ResponseType, message: &str) -> HttpResponse {
    request_error(StatusCode::BAD_REQUEST, kind, "BAD_USER_INPUT", message)
}

/// The bearer token of the request, checked against the database.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let raw = header_str(headers, header::AUTHORIZATION).ok_or(AppError::Unauthenticated)?;
    let token = bearer(raw).ok_or(AppError::Unauthenticated)?;
    tokens::authenticate(&state.db, &state.tokens, token).await
}

/// The token in `Bearer <token>` (the scheme in any letter case).
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The `WWW-Authenticate` challenge of an authentication failure (RFC 6750 §3).
pub fn challenge(err: &AppError) -> Option<header::HeaderValue> {
    match err {
        AppError::Unauthenticated => Some(header::HeaderValue::from_static("Bearer")),
        AppError::InvalidToken => Some(header::HeaderValue::from_static(
            "Bearer error=\"invalid_token\"",
        )),
        _ => None,
    }
}

fn unauthenticated(kind: ResponseType, err: &AppError) -> HttpResponse {
    let mut resp = request_error(StatusCode::UNAUTHORIZED, kind, err.code(), &err.message());
    if let Some(challenge) = challenge(err) {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    resp
}

/// The GraphQL parameters of a request, checked for type.
fn parse_params(
    query: Option<Value>,
    variables: Option<Value>,
    operation_name: Option<Value>,
    extensions: Option<Value>,
) -> Result<Request, String> {
    let query = match query {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("`query` is required".into()),
    };
    let mut request = Request::new(query);
    match variables {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => request = request.variables(Variables::from_json(v)),
        Some(_) => return Err("`variables` must be an object".into()),
    }
    match operation_name {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(_) => return Err("`operationName` must be a string".into()),
    }
    match extensions {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let value = async_graphql::Value::from_json(v)
                    .map_err(|_| "bad `extensions`".to_owned())?;
                request.extensions.insert(k, value);
            }
        }
        Some(_) => return Err("`extensions` must be an object".into()),
    }
    Ok(request)
}

/// `POST /graphql`.
pub async fn post(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let headers = req.headers();
    let Some(kind) = negotiate(header_str(headers, header::ACCEPT)) else {
        return not_acceptable();
    };
    if let Err(err) = check_body_type(header_str(headers, header::CONTENT_TYPE)) {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            kind,
            "BAD_USER_INPUT",
            &err.message(),
        );
    }
    let principal = match authenticate(&state, headers).await {
        Ok(p) => p,
        Err(err) => return unauthenticated(kind, &err),
    };
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return bad_request(kind, "the body is not valid JSON"),
    };
    let Value::Object(mut map) = parsed else {
        return bad_request(
            kind,
            "the body must be a JSON object (batching is not supported)",
        );
    };
    let request = match parse_params(
        map.remove("query"),
        map.remove("variables"),
        map.remove("operationName"),
        map.remove("extensions"),
    ) {
        Ok(r) => r,
        Err(message) => return bad_request(kind, &message),
    };
    execute(&state, &schema, request, principal, kind).await
}

/// `GET /graphql`: GraphiQL for a browser, queries for everyone else; never a mutation.
pub async fn get(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
) -> HttpResponse {
    let headers = req.headers();
    let mut params: Map<String, Value> = Map::new();
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        params.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    let accept = header_str(headers, header::ACCEPT);
    if !params.contains_key("query") && accept.is_some_and(|a| a.contains("text/html")) {
        return super::graphiql::page(&req);
    }
    let Some(kind) = negotiate(accept) else {
        return not_acceptable();
    };
    let principal = match authenticate(&state, headers).await {
        Ok(p) => p,
        Err(err) => return unauthenticated(kind, &err),
    };
    // On GET, `variables` and `extensions` arrive as JSON text.
    let mut json_param = |name: &str| -> Result<Option<Value>, String> {
        match params.remove(name) {
            Some(Value::String(s)) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|_| format!("`{name}` must be JSON")),
            other => Ok(other),
        }
    };
    let (variables, extensions) = match (json_param("variables"), json_param("extensions")) {
        (Ok(v), Ok(e)) => (v, e),
        (Err(m), _) | (_, Err(m)) => return bad_request(kind, &m),
    };
    let request = match parse_params(
        params.remove("query"),
        variables,
        params.remove("operationName"),
        extensions,
    ) {
        Ok(r) => r,
        Err(message) => return bad_request(kind, &message),
    };
    if let Some(op) = operation_type(&request)
        && op != OperationType::Query
    {
        let mut resp = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            kind,
            "BAD_USER_INPUT",
            "only queries may be sent with GET; send mutations with POST",
        );
        resp.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return resp;
    }
    execute(&state, &schema, request, principal, kind).await
}

/// The type of the operation the request selects, if its document parses.
fn operation_type(request: &Request) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    match &request.operation_name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op.node.ty),
        None => doc.operations.iter().next().map(|(_, op)| op.node.ty),
    }
}

/// The input field a coercion error names (`Invalid value for argument "input.vendor"`
/// names `vendor`), so clients get `extensions.field` for those errors too.
fn argument_field(message: &str) -> Option<String> {
    let rest = message.split_once("argument \"")?.1;
    let path = rest.split_once('"')?.0;
    path.rsplit('.')
        .next()
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
}

fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable()
        .content_type("application/json; charset=utf-8")
        .json(json!({ "errors": [{ "message": "accept application/graphql-response+json or application/json", "extensions": { "code": "BAD_USER_INPUT" } }] }))
}

async fn execute(
    state: &AppState,
    schema: &AppSchema,
    request: Request,
    principal: Principal,
    kind: ResponseType,
) -> HttpResponse {
    let mut response = schema.run(request.data(principal)).await;
    // Parse, validation and limit errors stop a request before execution: they carry no
    // path and leave no data, and the specification says such a response has no `data`.
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        let ext = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if ext.get("code").is_none() {
            // Our own errors always carry a code; the uncoded ones are async-graphql's
            // parse, validation and input-coercion errors: the client's input.
            ext.set("code", "BAD_USER_INPUT");
            if let Some(field) = argument_field(&error.message) {
                ext.set("field", field);
            }
        }
        if let Some(async_graphql::Value::String(code)) = ext.get("code") {
            state.metrics.observe_error(code);
        }
    }
    // Serialized once, straight to bytes; a failed request carries only its errors.
    let body = if request_failed {
        serde_json::to_vec(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(bytes) => bytes,
        Err(err) => return internal(kind, err),
    };
    let status = if request_failed && kind == ResponseType::GraphQlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status)
        .content_type(kind.content_type())
        .body(body)
}

fn internal(kind: ResponseType, cause: impl std::fmt::Display) -> HttpResponse {
    let err = AppError::internal(cause);
    request_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        kind,
        err.code(),
        &err.message(),
    )
}
