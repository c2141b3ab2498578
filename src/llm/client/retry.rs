//! Which failures are worth another try, and how long the provider asked us
//! to wait (Retry-After). The retry loop itself is the pipeline's.

use std::time::Duration;

/// A Retry-After value: delay-seconds or an HTTP-date (RFC 9110: IMF-fixdate,
/// and the obsolete RFC 850 and asctime forms), as a delay from `now`,
/// at most 10 minutes. A date in the past means at once.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(600);
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return secs.is_finite().then(|| Duration::from_secs_f64(secs.clamp(0.0, MAX.as_secs_f64())));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v)
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(v, "%A, %d-%b-%y %H:%M:%S GMT")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%a %b %e %H:%M:%S %Y"))
                .map(|n| n.and_utc())
        })
        .ok()?;
    let now = chrono::DateTime::<chrono::Utc>::from(now);
    Some((date - now).to_std().unwrap_or(Duration::ZERO).min(MAX))
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    Timeout,
    Network(String),
    Http {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    /// The body was not the JSON the protocol promises.
    Malformed(String),
    NoChoices,
    /// The body was longer than [`MAX_BODY_BYTES`]; reading stopped there.
    TooLarge {
        limit: usize,
    },
    /// The provider redirected elsewhere; Closer did not follow with the key and prompt.
    Redirect {
        status: u16,
        to: String,
    },
}

impl CallError {
    /// Worth another try: timeouts, network trouble, 429 and 5xx, garbage.
    pub fn retryable(&self) -> bool {
        match self {
            CallError::Timeout | CallError::Network(_) | CallError::Malformed(_) | CallError::NoChoices => true,
            CallError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            CallError::TooLarge { .. } | CallError::Redirect { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout => write!(f, "the provider did not answer in time"),
            CallError::Network(e) => write!(f, "cannot reach the provider: {e}"),
            CallError::Http { status: 401, message, .. } => {
                write!(f, "the provider refused the API key (401): {message}; check the key's environment variable")
            }
            CallError::Http { status, message, .. } => write!(f, "the provider answered {status}: {message}"),
            CallError::Malformed(e) => write!(f, "the provider's answer is not valid JSON: {e}"),
            CallError::NoChoices => write!(f, "the provider's answer has no choices"),
            CallError::TooLarge { limit } => {
                write!(f, "the provider's answer is larger than {} MiB: Closer stopped reading it", limit >> 20)
            }
            CallError::Redirect { status, to } => write!(
                f,
                "the provider redirected ({status}) to {to}: Closer does not send the API key or the prompt to \
                 another address; if that server is the right one, set llm.base_url to it"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_every_http_date_form() {
        // 1994-11-06 08:49:37 UTC, the example of RFC 9110.
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 1.5 ", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:40 1994", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO), "past: at once");
        assert_eq!(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(600)), "capped");
        assert_eq!(parse_retry_after("99999", now), Some(Duration::from_secs(600)));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
    }
}
