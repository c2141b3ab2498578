//! Database URLs: checked up front so a typo gets a clear message, and
//! masked before they reach the screen or a log.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// Checks that `url` is a PostgreSQL URL sqlx can use; the message says what to fix.
pub fn validate(url: &str) -> Result<(), String> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!(
            "is not a PostgreSQL URL ({}): write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            mask(url)
        ));
    }
    PgConnectOptions::from_str(url)
        .map(|_| ())
        .map_err(|e| format!("cannot be used ({}): {}", mask(url), mask(&e.to_string())))
}

/// The URL with any password replaced by `***`.
pub fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let masked_userinfo = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None => userinfo.to_string(),
    };
    format!("{}{}{}", &url[..scheme_end + 3], masked_userinfo, &rest[at..])
}

/// The same server URL with another database name (query string kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..i + scheme_end],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_password_only() {
        assert_eq!(
            mask("postgres://me:s3cr%40t@db:5432/x?sslmode=require"),
            "postgres://me:***@db:5432/x?sslmode=require"
        );
        assert_eq!(mask("postgres://me@db/x"), "postgres://me@db/x");
        assert_eq!(mask("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5/a?host=/s", "b"), "postgres://u@h:5/b?host=/s");
        assert_eq!(with_database("postgres://u@h", "b"), "postgres://u@h/b");
    }

    #[test]
    fn rejects_non_postgres() {
        assert!(validate("mysql://a@b/c").is_err());
        assert!(validate("postgres://a@b/c").is_ok());
    }
}
