//! GraphiQL served from the binary, so `/graphql` works in a browser without internet
//! access: our page, boot script and style (beside this file) and the vendored React and
//! GraphiQL builds (`assets/graphiql/`). Each asset's URL carries a hash of its content, so
//! browsers may cache it for good and still never run a stale copy after an upgrade.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Where the assets are mounted: `/graphiql/{file}`.
const PREFIX: &str = "/graphiql/";

/// Its `{{…}}` placeholders are the files' own names, and `{{nonce}}`.
const TEMPLATE: &str = include_str!("graphiql/page.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file compiled into the binary.
struct Source {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const SOURCES: [Source; 6] = [
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

/// A source under its served name: `graphiql.min.js` is `graphiql.min.<hash>.js`.
struct Asset {
    file: String,
    source: &'static Source,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|source| {
            let hash = hex::encode(&Sha256::digest(source.body)[..8]);
            let file = match source.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{}.{hash}", source.name),
            };
            Asset { file, source }
        })
        .collect()
});

static PAGE: LazyLock<String> = LazyLock::new(|| {
    ASSETS.iter().fold(TEMPLATE.to_owned(), |html, asset| {
        html.replace(
            &format!("{{{{{}}}}}", asset.source.name),
            &format!("{PREFIX}{}", asset.file),
        )
    })
});

/// The placeholder for the response's nonce, left in `PAGE`.
const NONCE: &str = "{{nonce}}";

/// A fresh value per response for the policy's `'nonce-…'`.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What the page may load: its own origin only. GraphiQL's fonts are `data:` URLs in its
/// stylesheet; its dialogs add one `<style>` element, which carries the nonce; and
/// subscriptions go over WebSocket to this host (`'self'` covers `ws:` only in browsers
/// that implement CSP 3, so the host is also named when it is a plain one).
fn content_security_policy(req: &HttpRequest, nonce: &str) -> String {
    let info = req.connection_info();
    let host = info.host();
    let plain_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let sockets = if plain_host {
        format!(" ws://{host} wss://{host}")
    } else {
        String::new()
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         font-src data:; img-src data:; connect-src 'self'{sockets}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The GraphiQL page (`GET /graphql` from a browser).
pub fn page(req: &HttpRequest) -> HttpResponse {
    let nonce = nonce();
    // The host in the policy is checked above, so the builder never fails on it (it would
    // answer 500 rather than serve the page without its policy).
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(req, &nonce),
        ))
        // The page names the current assets and a fresh nonce: never reuse it.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::VARY, "Accept"))
        .body(PAGE.replace(NONCE, &nonce))
}

/// `GET /graphiql/{file}`: an asset the page names, or a JSON 404.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.file == *file) else {
        return HttpResponse::NotFound()
            .content_type("application/json; charset=utf-8")
            .json(json!({ "errors": [{
                "message": format!("no GraphiQL asset named {:?}", file.as_str()),
                "extensions": { "code": "NOT_FOUND" },
            }] }));
    };
    HttpResponse::Ok()
        .content_type(asset.source.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(asset.source.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_by_its_hashed_url_and_nothing_else() {
        let rest = PAGE.replace(NONCE, "");
        assert!(!rest.contains("{{"), "a placeholder is left: {rest}");
        assert!(!PAGE.contains("//"), "the page names another origin");
        for asset in ASSETS.iter() {
            let url = format!("\"{PREFIX}{}\"", asset.file);
            assert!(PAGE.contains(&url), "{url} is not on the page");
        }
    }
}
