//! The schema as every handler runs it, over HTTP and WebSocket alike: the limits checked
//! before anything runs ([`super::limits`]), and the last touches on every response: keys in
//! selection order ([`super::field_order`]), argument errors that name their argument
//! ([`super::argument_errors`]) and refusals that name their limit.
//!
//! This wraps the schema (an [`Executor`]) rather than being an async-graphql extension:
//! with any extension registered, async-graphql sends every field through its per-field
//! extension path, which cost a fifth of the API's throughput.

use std::sync::Arc;

use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::{self, BoxStream};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::{Data, Executor, Positioned, Request, Response, ServerError, Variables};

use super::schema::RootSchema;
use super::{argument_errors, field_order, limits};

/// The schema every handler shares, with its checks and last touches.
#[derive(Clone)]
pub struct AppSchema(pub(super) RootSchema);

/// What the last touches need from the request: the operation as parsed.
struct Parsed {
    operation_name: Option<String>,
    document: ExecutableDocument,
    variables: Variables,
}

/// Parses the request once (the schema reuses the document) and checks the limits that
/// hold before validation.
fn prepare(request: &mut Request) -> Result<Parsed, ServerError> {
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let document = request.parsed_query().map_err(limits::parse_error)?;
    limits::check_root_fields(document)?;
    Ok(Parsed {
        operation_name,
        document: document.clone(),
        variables,
    })
}

impl Parsed {
    fn finish(&self, response: &mut Response) {
        limits::name_refusals(&mut response.errors);
        if let Some(operation) = operation(&self.document, self.operation_name.as_deref()) {
            field_order::order_response(&self.document, &operation.node, response);
        }
        argument_errors::name_arguments(&self.document, &self.variables, &mut response.errors);
    }
}

fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

impl Executor for AppSchema {
    async fn execute(&self, mut request: Request) -> Response {
        let parsed = match prepare(&mut request) {
            Ok(parsed) => parsed,
            Err(err) => return Response::from_errors(vec![err]),
        };
        let mut response = self.0.execute(request).await;
        parsed.finish(&mut response);
        response
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match prepare(&mut request) {
            Err(err) => stream::once(async move { Response::from_errors(vec![err]) }).boxed(),
            Ok(parsed) => self
                .0
                .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                .map(move |mut response| {
                    parsed.finish(&mut response);
                    response
                })
                .boxed(),
        }
    }
}

impl AppSchema {
    /// Runs one operation (a query or mutation) with its checks and last touches.
    pub async fn run(&self, request: Request) -> Response {
        Executor::execute(self, request).await
    }
}
