//! How values are written on the page. Pure, tested natively.

use shelf_format::{Key, Timestamp, VersionSummary};
use std::collections::BTreeMap;

/// Metrics shown first when a model has them, in this order.
const HEADLINE: [&str; 10] = [
    "f1",
    "auc",
    "accuracy",
    "map",
    "miou",
    "r2",
    "precision",
    "recall",
    "mape",
    "rmse",
];

/// The metric that stands for a version in lists: a well-known one if present, else the
/// first by name.
pub fn headline_metric(metrics: &BTreeMap<Key, f64>) -> Option<(&Key, f64)> {
    HEADLINE
        .iter()
        .find_map(|h| {
            metrics
                .iter()
                .find(|(k, _)| k.as_str().eq_ignore_ascii_case(h))
        })
        .or_else(|| metrics.iter().next())
        .map(|(k, v)| (k, *v))
}

/// A number with at most 4 significant decimals, no trailing zeros; a number too small
/// for 4 decimals in scientific notation with 4 significant digits (`1.5e-7`), never `0`.
pub fn number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    if x.abs() < 5e-5 {
        let rounded: f64 = format!("{x:.3e}").parse().unwrap_or(x);
        return format!("{rounded:e}");
    }
    let s = if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    };
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A signed difference: `+0.05`, `-1.2`, `±0`.
pub fn delta(x: f64) -> String {
    if x == 0.0 {
        "±0".to_string()
    } else if x > 0.0 {
        format!("+{}", number(x))
    } else {
        format!("-{}", number(-x))
    }
}

/// Bytes in B, KB, MB, GB, TB (powers of 1000).
pub fn size(bytes: u64) -> String {
    shelf_format::units::human_size(bytes)
}

/// `sha256:` and the first 12 hex digits; the first line of a description. The same as
/// the CLI writes them.
pub use shelf_format::units::{first_line, short_digest};

/// `2026-11-27 21:09 UTC`.
pub fn time(t: &Timestamp) -> String {
    t.datetime().format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2026-11-27 21:09:03.123 UTC`: to the millisecond, as the log records it (the as-of
/// banner, the timeline's tooltips).
pub fn time_precise(t: &Timestamp) -> String {
    t.datetime().format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string()
}

/// A time on a chart's x axis: the date, or the date and time when the chart spans less
/// than two days.
pub fn axis_time(millis: i64, span_millis: i64) -> String {
    match Timestamp::from_millis(millis) {
        Some(t) if span_millis < 2 * 86_400_000 => t.datetime().format("%m-%d %H:%M").to_string(),
        Some(t) => t.datetime().format("%Y-%m-%d").to_string(),
        None => String::new(),
    }
}

/// The value of an `<input type="datetime-local">` (UTC, to the millisecond).
pub fn datetime_local(t: &Timestamp) -> String {
    t.datetime().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// A time typed into an `<input type="datetime-local">`, read as UTC: `2026-11-28T10:00`,
/// with optional seconds and fractions of a second.
pub fn parse_datetime_local(value: &str) -> Option<Timestamp> {
    let value = value.trim();
    let (date, time) = value.split_once('T')?;
    let full = match time.len() {
        5 => format!("{date}T{time}:00Z"),
        n if n >= 8 => format!("{date}T{time}Z"),
        _ => return None,
    };
    full.parse().ok()
}

/// A traffic share, written as the CLI writes it: `90%`, `12.5%`, `33.333333%`, and a
/// share too small for 6 decimals as it is (`1e-300%`), never `0%`.
pub fn percent(x: f64) -> String {
    format!("{}%", shelf_format::lifecycle::percent(x))
}

/// `label=value` pairs of a version, for lists.
pub fn labels(v: &VersionSummary) -> String {
    v.labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A count for people: `950`, `12.3 K`, `1.2 M`, `7.2 B`, `1.1 T` (powers of 1000, one
/// decimal below 100 of a unit, none above).
pub fn count(n: u64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    if n < 1000 {
        return n.to_string();
    }
    let x = n as f64;
    let mut i = UNITS
        .iter()
        .rposition(|(scale, _)| x >= *scale)
        .unwrap_or(0);
    loop {
        let (scale, unit) = UNITS[i];
        let scaled = x / scale;
        let s = if scaled >= 99.95 {
            format!("{scaled:.0}")
        } else {
            format!("{scaled:.1}")
        };
        // 999,950 rounds to `1000 K`: say `1 M`.
        if s == "1000" && i + 1 < UNITS.len() {
            i += 1;
            continue;
        }
        let s = s.strip_suffix(".0").unwrap_or(&s);
        return format!("{s} {unit}");
    }
}

/// A signed change of a count: `+1.2 M`, `-300`, `±0`.
pub fn count_delta(d: i128) -> String {
    let magnitude = u64::try_from(d.unsigned_abs()).unwrap_or(u64::MAX);
    match d.signum() {
        0 => "±0".to_string(),
        1 => format!("+{}", count(magnitude)),
        _ => format!("-{}", count(magnitude)),
    }
}

/// An integer with thousands separators: `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `value` as a link target when it is an http(s) URL; anything else (`javascript:`,
/// `data:`, relative paths) stays text.
pub fn http_link(value: &str) -> Option<&str> {
    let lower = value.trim_start().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(0.84), "0.84");
        assert_eq!(number(0.123456), "0.1235");
        assert_eq!(number(31.7), "31.7");
        assert_eq!(number(600.0), "600");
        assert_eq!(number(12345.678), "12345.7");
        assert_eq!(delta(0.05), "+0.05");
        assert_eq!(delta(-1.25), "-1.25");
        assert_eq!(delta(0.0), "±0");
    }

    #[test]
    fn counts_for_people() {
        assert_eq!(count(0), "0");
        assert_eq!(count(950), "950");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1 K");
        assert_eq!(count(950_000), "950 K");
        assert_eq!(count(1_060_000), "1.1 M");
        assert_eq!(count(12_345), "12.3 K");
        assert_eq!(count(1_234_567), "1.2 M");
        assert_eq!(count(999_950), "1 M");
        assert_eq!(count(124_000_000), "124 M");
        assert_eq!(count(7_241_732_096), "7.2 B");
        assert_eq!(count(1_100_000_000_000), "1.1 T");
        assert_eq!(count(u64::MAX), "18446744 T");
        assert_eq!(count_delta(1_200_000), "+1.2 M");
        assert_eq!(count_delta(-300), "-300");
        assert_eq!(count_delta(0), "±0");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn only_http_links() {
        assert_eq!(
            http_link("https://ci.example.com/run/7"),
            Some("https://ci.example.com/run/7")
        );
        assert_eq!(http_link("HTTP://x"), Some("HTTP://x"));
        assert_eq!(http_link("javascript:alert(1)"), None);
        assert_eq!(http_link(" javascript:alert(1)"), None);
        assert_eq!(http_link("data:text/html,<script>"), None);
        assert_eq!(http_link("https://x y"), None);
        assert_eq!(http_link("team"), None);
    }

    #[test]
    fn times_for_people_and_for_inputs() {
        let t: Timestamp = "2026-11-28T10:00:05.123Z".parse().unwrap();
        assert_eq!(time(&t), "2026-11-28 10:00 UTC");
        assert_eq!(time_precise(&t), "2026-11-28 10:00:05.123 UTC");
        assert_eq!(datetime_local(&t), "2026-11-28T10:00:05.123");
        assert_eq!(parse_datetime_local(&datetime_local(&t)), Some(t));
        assert_eq!(
            parse_datetime_local("2026-11-28T10:00"),
            Some("2026-11-28T10:00:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_datetime_local("2026-11-28T10:00:07"),
            Some("2026-11-28T10:00:07Z".parse().unwrap())
        );
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T10",
            "yesterday",
            "2026-13-01T00:00",
        ] {
            assert_eq!(parse_datetime_local(bad), None, "{bad}");
        }
        let day = 86_400_000;
        assert_eq!(axis_time(t.millis(), 30 * day), "2026-11-28");
        assert_eq!(axis_time(t.millis(), day), "11-28 10:00");
        assert_eq!(percent(90.0), "90%");
        assert_eq!(percent(12.5), "12.5%");
        assert_eq!(percent(1e-300), "1e-300%");
    }

    #[test]
    fn tiny_numbers_are_not_shown_as_zero() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.12345), "0.1235");
        assert_eq!(number(0.0001), "0.0001");
        assert_eq!(number(1.5e-7), "1.5e-7");
        assert_eq!(number(-1.23456e-9), "-1.235e-9");
        assert_eq!(number(1e-300), "1e-300");
        assert_eq!(delta(2e-6), "+2e-6");
    }

    #[test]
    fn sizes_and_headlines() {
        let m: BTreeMap<Key, f64> = [("auc", 0.9), ("f1", 0.8), ("zeta", 1.0)]
            .into_iter()
            .map(|(k, v)| (Key::new(k).unwrap(), v))
            .collect();
        assert_eq!(headline_metric(&m).unwrap().0.as_str(), "f1");
        let m: BTreeMap<Key, f64> = [(Key::new("zeta").unwrap(), 1.0)].into();
        assert_eq!(headline_metric(&m).unwrap().0.as_str(), "zeta");
        assert!(headline_metric(&BTreeMap::new()).is_none());
    }
}
