//! Reading a blob over a link that may stall or break.
//!
//! A request times out on inactivity (no byte for [`idle_timeout`]), never on its
//! length: a slow link that keeps flowing finishes whatever the size. A body that breaks
//! or stalls midway is continued with a ranged GET from the first byte not yet received,
//! as long as the attempts make progress; object_store's own retries cover the requests
//! themselves (connection refused, 5xx before any byte).

use std::time::Duration;

use futures::StreamExt as _;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore};

use crate::error::{Error, Result};

/// The variable that sets how long a transfer may go without a byte (`30s`, `500ms`, or
/// seconds as a plain number).
pub const IDLE_TIMEOUT_VAR: &str = "SHELF_IDLE_TIMEOUT";
/// How long a transfer may go without a byte by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Consecutive attempts that receive nothing before a read gives up.
const ATTEMPTS_WITHOUT_PROGRESS: u32 = 4;

/// The inactivity timeout: [`IDLE_TIMEOUT_VAR`], else [`DEFAULT_IDLE_TIMEOUT`].
pub fn idle_timeout() -> Result<Duration> {
    match std::env::var(IDLE_TIMEOUT_VAR) {
        Ok(value) => parse_duration(&value).ok_or_else(|| {
            Error::Usage(format!(
                "invalid {IDLE_TIMEOUT_VAR} {value:?}: expected a duration such as 30s, 500ms or 45 (seconds), more than 0"
            ))
        }),
        Err(_) => Ok(DEFAULT_IDLE_TIMEOUT),
    }
}

fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let (number, scale) = if let Some(ms) = value.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = value.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = value.strip_suffix('m') {
        (m, 60.0)
    } else {
        (value, 1.0)
    };
    let seconds = number.trim().parse::<f64>().ok()? * scale;
    (seconds.is_finite() && seconds > 0.0 && seconds < 86_400.0)
        .then(|| Duration::from_secs_f64(seconds))
}

/// Stream the object at `location` from byte `from` to its end into `sink`, continuing
/// after a broken or stalled body with a ranged GET. Returns the bytes read. An error of
/// `sink` ends the read at once; so does an absent object.
pub(crate) async fn read_from(
    store: &dyn ObjectStore,
    location: &Path,
    from: u64,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let mut offset = from;
    let mut fruitless = 0u32;
    loop {
        let options = GetOptions {
            range: (offset > 0).then_some(GetRange::Offset(offset)),
            ..GetOptions::default()
        };
        let before = offset;
        let failure = match store.get_opts(location, options).await {
            Ok(result) => {
                let mut stream = result.into_stream();
                let mut failure = None;
                while let Some(chunk) = stream.next().await {
                    match chunk {
                        Ok(chunk) => {
                            sink(&chunk)?;
                            offset += chunk.len() as u64;
                        }
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                match failure {
                    None => return Ok(offset - from),
                    Some(e) => e,
                }
            }
            Err(e @ object_store::Error::NotFound { .. }) => return Err(e.into()),
            Err(e) => e,
        };
        fruitless = if offset > before { 0 } else { fruitless + 1 };
        if fruitless >= ATTEMPTS_WITHOUT_PROGRESS {
            return Err(failure.into());
        }
        tracing::warn!(key = %location, offset, error = %failure, "transfer interrupted; continuing with a ranged GET");
        tokio::time::sleep(Duration::from_millis(100 << fruitless.min(4))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        for bad in ["", "0", "-1s", "abc", "1h", "nan", "100000"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
