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

/// `text` with the password of every PostgreSQL URL in it replaced by
/// `***`: the userinfo password (also when it holds an unencoded `/`, `?`,
/// `#` or `@`, which makes the URL ambiguous: then everything up to the last
/// `@` is hidden) and `password=` query parameters (sqlx accepts both).
/// Works on a bare URL and on messages that quote one; when `text` starts
/// with a URL, the URL runs to the end of its line, so a password with a
/// space in it is hidden too.
pub fn mask(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) =
        ["postgres://", "postgresql://"].iter().filter_map(|s| lower[pos..].find(s).map(|i| pos + i)).min()
    {
        let end = if found == 0 {
            text.find(['\n', '\r']).unwrap_or(text.len())
        } else {
            text[found..].find(|c: char| c.is_whitespace() || "\"'<>`".contains(c)).map_or(text.len(), |i| found + i)
        };
        out.push_str(&text[pos..found]);
        out.push_str(&mask_one(&text[found..end]));
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// One URL (scheme included) with its passwords masked.
fn mask_one(url: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let mut out = url[..scheme_end].to_string();
    // The userinfo ends at the last `@`: a password may hold any character
    // unencoded, so the first `/` or `?` cannot be trusted to end it. But an
    // `@` after `host/db?key=` is in the query (`?user=me@server`): then the
    // userinfo is whatever precedes the host, if anything.
    let last_at = rest.rfind('@').filter(|&at| {
        let before = &rest[..at];
        match before.find('?') {
            Some(q) => !(before[..q].contains('/') && before[q..].contains('=')),
            None => true,
        }
    });
    let last_at = last_at.or_else(|| {
        let path = rest.find(['/', '?']).unwrap_or(rest.len());
        rest[..path].rfind('@')
    });
    let after_userinfo = match last_at {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.find(':') {
                // The template in Closer's own help text is not a secret.
                Some(colon) if &userinfo[colon..] == ":PASSWORD" => out.push_str(userinfo),
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    let Some(q) = after_userinfo.find('?') else {
        out.push_str(after_userinfo);
        return out;
    };
    out.push_str(&after_userinfo[..=q]);
    let (query, fragment) = match after_userinfo[q + 1..].find('#') {
        Some(h) => (&after_userinfo[q + 1..q + 1 + h], &after_userinfo[q + 1 + h..]),
        None => (&after_userinfo[q + 1..], ""),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            // Keys are compared decoded, as sqlx reads them (`pass%77ord=` is `password=`).
            Some((k, _)) if percent_decode(k).eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect();
    out.push_str(&pairs.join("&"));
    out.push_str(fragment);
    mask_password_params(&out)
}

/// Any `password=` parameter left anywhere in the text (after a `?` or an
/// `&`, its key compared decoded) has its value hidden: a last pass, for
/// URLs odd enough to fool the parse above.
fn mask_password_params(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(i) = rest.find(['?', '&']) {
        out.push_str(&rest[..=i]);
        let tail = &rest[i + 1..];
        let key_end = tail.find(['=', '&', '?', '#']).unwrap_or(tail.len());
        if tail[key_end..].starts_with('=') && percent_decode(&tail[..key_end]).eq_ignore_ascii_case("password") {
            let value_end = tail[key_end + 1..].find(['&', '#']).map_or(tail.len(), |e| key_end + 1 + e);
            out.push_str(&tail[..key_end]);
            out.push_str("=***");
            rest = &tail[value_end..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// application/x-www-form-urlencoded decoding of a query key (lossy).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn an_at_sign_in_the_query_does_not_hide_a_password() {
        let m = mask("postgres://h.example/db?user=me@srv&password=s3cret");
        assert_eq!(m, "postgres://h.example/db?user=me@srv&password=***");
        let m = mask("postgres://h/db?password=hun@ter2");
        assert!(!m.contains("hun") && !m.contains("ter2"), "{m}");
        let m = mask("cannot connect to postgres://127.0.0.1:1/db?user=me@srv&password=s3cret: refused");
        assert!(!m.contains("s3cret"), "{m}");
        assert!(m.contains("127.0.0.1:1/db"), "{m}");
        // A password with `?` and `@` in it is still hidden.
        let m = mask("postgres://me:p?a=b@host/db");
        assert!(!m.contains("p?a=b"), "{m}");
    }

    #[test]
    fn masks_password_only() {
        assert_eq!(
            mask("postgres://me:s3cr%40t@db:5432/x?sslmode=require"),
            "postgres://me:***@db:5432/x?sslmode=require"
        );
        assert_eq!(mask("postgres://me@db/x"), "postgres://me@db/x");
        assert_eq!(mask("postgres://db/x"), "postgres://db/x");
        assert_eq!(
            mask("postgres://me@h/db?host=/run/pg&sslmode=disable"),
            "postgres://me@h/db?host=/run/pg&sslmode=disable"
        );
    }

    /// Every form sqlx accepts, and the malformed ones a user may type.
    #[test]
    fn masks_every_form_of_password() {
        let cases = [
            ("postgres://me@h/db?password=hunter2", "postgres://me@h/db?password=***"),
            (
                "postgresql://me@h/db?sslmode=require&password=hunter2&x=1",
                "postgresql://me@h/db?sslmode=require&password=***&x=1",
            ),
            ("postgres://me@h/db?PASSWORD=hunter2", "postgres://me@h/db?PASSWORD=***"),
            ("postgres://me@h/db?pass%77ord=hunter2", "postgres://me@h/db?pass%77ord=***"),
            ("postgres://me:hun/ter2@h/db", "postgres://me:***@h/db"),
            ("postgres://me:hun?ter2@h/db", "postgres://me:***@h/db"),
            ("postgres://me:hun@t#er2@h/db", "postgres://me:***@h/db"),
            ("POSTGRES://me:hunter2@h/db", "POSTGRES://me:***@h/db"),
            ("postgres://me:hun ter2@h/db", "postgres://me:***@h/db"),
            ("postgres://me:hunter2@h/db?password=hunter2", "postgres://me:***@h/db?password=***"),
        ];
        for (url, want) in cases {
            let got = mask(url);
            assert_eq!(got, want, "{url}");
            assert!(!got.contains("hunter2") && !got.contains("ter2"), "{got}");
        }
    }

    #[test]
    fn masks_urls_inside_messages() {
        let msg =
            "cannot connect to postgres://me:hunter2@h/db: refused; also postgres://me@h/x?password=hunter2\nnext";
        let got = mask(msg);
        assert!(!got.contains("hunter2"), "{got}");
        assert!(got.starts_with("cannot connect to postgres://me:***@h/db: refused"), "{got}");
        assert!(got.ends_with("?password=***\nnext"), "{got}");
        assert_eq!(mask("no url here: a@b:c"), "no url here: a@b:c");
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
