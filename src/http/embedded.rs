//! Pages compiled into the binary with their assets (GraphiQL, the console), so a browser
//! needs nothing but this server. Each asset's URL carries a hash of its content: browsers
//! may cache it for good and still never run a stale copy after an upgrade. Every page
//! gets the same Content-Security-Policy: its own origin only, scripts from files only.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const JS: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";

/// A file compiled into the binary.
pub struct Source {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// A source under its served name: `graphiql.min.js` is `graphiql.min.<hash>.js`.
struct Asset {
    file: String,
    source: &'static Source,
}

/// A page template and the assets it names. In the template, `{{name}}` stands for the
/// URL of the source `name` and `{{nonce}}` for the response's nonce.
pub struct Bundle {
    /// Where the assets are mounted, e.g. `/graphiql/`.
    prefix: &'static str,
    /// What a missing asset's error calls the bundle, e.g. "GraphiQL".
    title: &'static str,
    assets: Vec<Asset>,
    /// The template with every asset placeholder filled in (the nonce's is left).
    page: String,
}

/// The placeholder for the response's nonce, left in the rendered page.
const NONCE: &str = "{{nonce}}";

impl Bundle {
    pub fn new(
        prefix: &'static str,
        title: &'static str,
        template: &str,
        sources: &'static [Source],
    ) -> Bundle {
        let assets: Vec<Asset> = sources
            .iter()
            .map(|source| {
                let hash = hex::encode(&Sha256::digest(source.body)[..8]);
                let file = match source.name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                    None => format!("{}.{hash}", source.name),
                };
                Asset { file, source }
            })
            .collect();
        let page = assets.iter().fold(template.to_owned(), |html, asset| {
            html.replace(
                &format!("{{{{{}}}}}", asset.source.name),
                &format!("{prefix}{}", asset.file),
            )
        });
        Bundle {
            prefix,
            title,
            assets,
            page,
        }
    }

    /// The page, with a fresh nonce and the policy that goes with it.
    pub fn page(&self, req: &HttpRequest) -> HttpResponse {
        let nonce = nonce();
        // The host in the policy is checked, so the builder never fails on it (it would
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
            .body(self.page.replace(NONCE, &nonce))
    }

    /// An asset the page names, or a JSON 404.
    pub fn asset(&self, file: &str) -> HttpResponse {
        let Some(asset) = self.assets.iter().find(|a| a.file == file) else {
            return HttpResponse::NotFound()
                .content_type("application/json; charset=utf-8")
                .json(json!({ "errors": [{
                    "message": format!("no {} asset named {file:?} under {}", self.title, self.prefix),
                    "extensions": { "code": "NOT_FOUND" },
                }] }));
        };
        HttpResponse::Ok()
            .content_type(asset.source.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.source.body)
    }

    /// Bytes of every asset, as a browser downloads them on a first visit.
    pub fn asset_bytes(&self) -> usize {
        self.assets.iter().map(|a| a.source.body.len()).sum()
    }
}

/// A fresh value per response for the policy's `'nonce-…'`.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What a page may load: its own origin only. GraphiQL's fonts are `data:` URLs in its
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundle's page names each of its assets by its hashed URL, and nothing from
    /// another origin.
    #[test]
    fn pages_name_every_asset_by_its_hashed_url_and_nothing_else() {
        for bundle in [
            &*super::super::graphiql::BUNDLE,
            &*super::super::console::BUNDLE,
        ] {
            let rest = bundle.page.replace(NONCE, "");
            assert!(!rest.contains("{{"), "a placeholder is left: {rest}");
            assert!(!bundle.page.contains("//"), "the page names another origin");
            for asset in &bundle.assets {
                let url = format!("\"{}{}\"", bundle.prefix, asset.file);
                assert!(bundle.page.contains(&url), "{url} is not on the page");
            }
        }
    }
}
