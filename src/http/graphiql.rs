//! GraphiQL served from the binary, so `/graphql` works in a browser without internet
//! access: our page, boot script and style (beside this file) and the vendored React and
//! GraphiQL builds (`assets/graphiql/`), under hashed URLs (see [`super::embedded`]).

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};

use super::embedded::{Bundle, CSS, JS, Source};

/// Where the assets are mounted: `/graphiql/{file}`.
const PREFIX: &str = "/graphiql/";

static SOURCES: [Source; 6] = [
    Source {
        name: "react.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Source {
        name: "react-dom.production.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Source {
        name: "graphiql.min.js",
        content_type: JS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Source {
        name: "graphiql.min.css",
        content_type: CSS,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Source {
        name: "boot.js",
        content_type: JS,
        body: include_bytes!("graphiql/boot.js"),
    },
    Source {
        name: "page.css",
        content_type: CSS,
        body: include_bytes!("graphiql/page.css"),
    },
];

pub(super) static BUNDLE: LazyLock<Bundle> = LazyLock::new(|| {
    Bundle::new(
        PREFIX,
        "GraphiQL",
        include_str!("graphiql/page.html"),
        &SOURCES,
    )
});

/// The GraphiQL page (`GET /graphql` from a browser).
pub fn page(req: &HttpRequest) -> HttpResponse {
    BUNDLE.page(req)
}

/// `GET /graphiql/{file}`: an asset the page names, or a JSON 404.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    BUNDLE.asset(&file)
}
