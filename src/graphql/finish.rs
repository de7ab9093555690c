//! The last touches on every response, over HTTP and WebSocket alike: keys in selection
//! order ([`super::field_order`]) and argument errors that name their argument
//! ([`super::argument_errors`]). Both need the operation as parsed, which this extension
//! keeps for the request.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::{
    Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Variables,
};

use super::{argument_errors, field_order};

/// Registered on the schema: one [`FinishExtension`] per request.
pub struct Finish;

impl ExtensionFactory for Finish {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FinishExtension::default())
    }
}

/// The request's operation name, document and variables, as parsed.
#[derive(Default)]
struct Parsed {
    operation_name: Option<String>,
    document: Option<Arc<ExecutableDocument>>,
    variables: Arc<Variables>,
}

impl Parsed {
    fn finish(&self, response: &mut Response) {
        let Some(document) = &self.document else {
            return;
        };
        if let Some(operation) = operation(document, self.operation_name.as_deref()) {
            field_order::order_response(document, &operation.node, response);
        }
        argument_errors::name_arguments(document, &self.variables, &mut response.errors);
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

#[derive(Default)]
struct FinishExtension {
    parsed: Arc<Mutex<Parsed>>,
}

fn lock(parsed: &Mutex<Parsed>) -> MutexGuard<'_, Parsed> {
    parsed.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait::async_trait]
impl Extension for FinishExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        lock(&self.parsed).operation_name = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut parsed = lock(&self.parsed);
        parsed.document = Some(Arc::new(document.clone()));
        parsed.variables = Arc::new(variables.clone());
        Ok(document)
    }

    /// Argument values are converted during validation too (a list's complexity reads its
    /// `first`), so the errors of validation get their argument named as well.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            let parsed = lock(&self.parsed);
            if let Some(document) = &parsed.document {
                argument_errors::name_arguments(document, &parsed.variables, &mut errors);
            }
            errors
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        lock(&self.parsed).finish(&mut response);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let parsed = Arc::clone(&self.parsed);
        next.run(ctx, stream)
            .map(move |mut response| {
                // The document is parsed when the stream is first polled, before any event.
                lock(&parsed).finish(&mut response);
                response
            })
            .boxed()
    }
}
