//! Money as integer minor units (cents) plus an ISO 4217 code: no floating point anywhere.
//!
//! Every currency is treated as having two decimals; the few that have none or three
//! (JPY, KWD) are out of scope until someone buys seats in them.

/// Decimals kept in minor units.
const SCALE: i64 = 100;

/// Parses a non-negative decimal with at most two decimals, e.g. `"12.5"` → 1250.
pub fn parse(text: &str) -> Result<i64, &'static str> {
    let shape = "must be a non-negative decimal like 12.50, with at most 2 decimals";
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return Err(shape),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return Err(shape);
    }
    if fraction.len() > 2 {
        return Err("has more than 2 decimals");
    }
    let too_large = "is too large";
    let mut minor: i64 = 0;
    for b in whole.bytes() {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or(too_large)?;
    }
    let cents = match fraction.as_bytes() {
        [] => 0,
        [d] => i64::from(d - b'0') * 10,
        [d, e] => i64::from(d - b'0') * 10 + i64::from(e - b'0'),
        _ => unreachable!("checked above"),
    };
    minor
        .checked_mul(SCALE)
        .and_then(|m| m.checked_add(cents))
        .ok_or(too_large)
}

/// Formats minor units as a decimal with two places: 1250 → `"12.50"`, -5 → `"-0.05"`.
pub fn format(minor: i64) -> String {
    // unsigned_abs keeps i64::MIN from overflowing.
    let abs = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", abs / SCALE as u64, abs % SCALE as u64)
}

/// Whether `code` has the shape of an ISO 4217 code: three upper-case ASCII letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_to_minor_units() {
        assert_eq!(parse("12.50"), Ok(1250));
        assert_eq!(parse("12.5"), Ok(1250));
        assert_eq!(parse("12"), Ok(1200));
        assert_eq!(parse("0.05"), Ok(5));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("007.10"), Ok(710));
    }

    #[test]
    fn malformed_negative_and_over_precise_amounts_are_rejected() {
        for bad in [
            "", "-1", "+1", "1.", ".5", "1.2.3", "1,50", " 1", "1e3", "abc", "1.x", "١٢",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(parse("1.234"), Err("has more than 2 decimals"));
    }

    #[test]
    fn parsing_never_overflows() {
        assert_eq!(parse("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(parse("92233720368547758.08"), Err("is too large"));
        assert_eq!(parse("99999999999999999999999"), Err("is too large"));
    }

    #[test]
    fn minor_units_format_with_two_decimals() {
        assert_eq!(format(1250), "12.50");
        assert_eq!(format(5), "0.05");
        assert_eq!(format(0), "0.00");
        assert_eq!(format(-5), "-0.05");
        assert_eq!(format(-123456), "-1234.56");
        assert_eq!(format(i64::MAX), "92233720368547758.07");
        assert_eq!(format(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn formatting_and_parsing_round_trip() {
        for minor in [0, 1, 99, 100, 1250, 123_456_789, i64::MAX] {
            assert_eq!(parse(&format(minor)), Ok(minor));
        }
    }

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        assert!(is_currency_code("USD") && is_currency_code("EUR"));
        for bad in ["usd", "US", "USDD", "U5D", "", "ÜSD"] {
            assert!(!is_currency_code(bad), "{bad:?}");
        }
    }
}
