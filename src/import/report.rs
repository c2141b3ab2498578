//! The summary of an import as text, for the command line and the TUI.
//! Reasons can quote values from the file, so every line is sanitised.

use std::fmt::Write as _;

use super::Summary;
use crate::sanitize;

/// 12345 → "12,345".
pub fn thousands(n: u64) -> String {
    crate::calendar::thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The counts, one per line, with a title saying whether anything changed.
pub fn counts(s: &Summary) -> Vec<String> {
    let what = s.entity.map(|e| e.name()).unwrap_or("rows");
    let mut lines = vec![if s.dry_run {
        format!("Dry run: read {} rows of {what}; nothing was changed. A real run would:", thousands(s.rows))
    } else {
        format!("Read {} rows of {what} in {:.1} s:", thousands(s.rows), s.elapsed.as_secs_f64())
    }];
    let verb = |done: &str, would: &str| if s.dry_run { would.to_string() } else { done.to_string() };
    lines.push(format!("  {:>9}  {}", thousands(s.new), verb("new", "add as new")));
    if s.update {
        lines.push(format!("  {:>9}  {}", thousands(s.updated), verb("updated", "update")));
    }
    let mut why = Vec::new();
    if s.duplicates_in_file > 0 {
        why.push(format!("{} repeat an earlier row of the file", thousands(s.duplicates_in_file)));
    }
    if s.duplicates_in_db > 0 {
        why.push(format!("{} already stored", thousands(s.duplicates_in_db)));
    }
    if s.unchanged > 0 {
        why.push(format!("{} already stored and unchanged", thousands(s.unchanged)));
    }
    lines.push(format!(
        "  {:>9}  {}{}",
        thousands(s.skipped()),
        verb("skipped as duplicates", "skip as duplicates"),
        if why.is_empty() { String::new() } else { format!(" ({})", why.join(", ")) }
    ));
    lines.push(format!("  {:>9}  {}", thousands(s.rejected), verb("rejected", "reject")));
    if s.companies_created > 0 || s.industries_created > 0 {
        lines.push(format!(
            "  companies {}: {}, industries {}: {}",
            verb("created", "to create"),
            thousands(s.companies_created),
            verb("created", "to create"),
            thousands(s.industries_created)
        ));
    }
    lines
}

/// The rejected rows, `line N: reason`, at most `limit` of them.
pub fn rejections(s: &Summary, limit: usize) -> Vec<String> {
    let mut lines: Vec<String> =
        s.rejections.iter().take(limit).map(|r| format!("line {}: {}", r.line, sanitize::line(&r.reason))).collect();
    let shown = lines.len() as u64;
    if s.rejected > shown {
        lines.push(format!("… and {} more rejected rows", thousands(s.rejected - shown)));
    }
    lines
}

/// The whole summary, for the command line.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    for l in counts(s) {
        let _ = writeln!(out, "{l}");
    }
    let delimiter = match s.delimiter {
        '\t' => "tab".to_string(),
        c => format!("{c:?}"),
    };
    let cols: Vec<String> = s
        .columns
        .iter()
        .map(|(h, f)| {
            if super::columns::normalise(h) == super::columns::normalise(f) {
                f.clone()
            } else {
                format!("{} → {f}", sanitize::line(&super::columns::truncate(h, 40)))
            }
        })
        .collect();
    let _ = writeln!(out, "columns ({delimiter}-separated): {}", cols.join(", "));
    if !s.ignored_columns.is_empty() {
        let ignored: Vec<String> =
            s.ignored_columns.iter().map(|h| sanitize::line(&super::columns::truncate(h, 40)).into_owned()).collect();
        let _ = writeln!(out, "ignored columns: {}", ignored.join(", "));
    }
    if s.rejected > 0 {
        let _ = writeln!(out, "rejected rows:");
        for l in rejections(s, usize::MAX) {
            let _ = writeln!(out, "  {l}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
