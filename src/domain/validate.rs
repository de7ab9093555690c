//! Input checks shared by the domain: each failure is `BAD_USER_INPUT` naming the field.

use crate::error::{AppError, Result};

/// A trimmed, non-empty name of at most `max` characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An absolute http(s) URL without credentials in it.
pub fn http_url(field: &str, value: &str) -> Result<String> {
    let parsed = url::Url::parse(value.trim())
        .map_err(|_| AppError::bad_input(field, "must be an absolute URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::bad_input(field, "must be an http or https URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(AppError::bad_input(field, "must not carry credentials"));
    }
    Ok(parsed.to_string().trim_end_matches('/').to_owned())
}

/// An optional text field: `None` stays `None`; blank becomes `None`.
pub fn optional_text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => name(field, &v, max).map(Some),
        None => Ok(None),
    }
}

/// A whole number inside `range`.
pub fn in_range(field: &str, value: i32, range: std::ops::RangeInclusive<i32>) -> Result<i32> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_input(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_and_free_of_credentials() {
        assert_eq!(
            http_url("baseUrl", "https://api.zoom.us/").unwrap(),
            "https://api.zoom.us"
        );
        assert!(http_url("baseUrl", "ftp://x").is_err());
        assert!(http_url("baseUrl", "https://u:p@x.test").is_err());
        assert!(http_url("baseUrl", "not a url").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("n", "  a ", 5).unwrap(), "a");
        assert!(name("n", "   ", 5).is_err());
        assert!(name("n", "abcdef", 5).is_err());
    }
}
