//! Business-day arithmetic (Monday to Friday; no holiday calendar) for the
//! follow-up cadences and snoozes. Pure functions, so the rules can be
//! checked without a clock or a database; the SQL in `db::followups`
//! computes the same due dates and a test holds the two together.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`-th business day after `d` (Excel's WORKDAY): `n = 0` is `d`
/// itself, whatever the weekday ("due at once"); a weekend start counts
/// from the Friday before, so one business day after a Saturday is Monday.
pub fn add_business_days(d: NaiveDate, n: u32) -> NaiveDate {
    if n == 0 {
        return d;
    }
    let dow = d.weekday().number_from_monday() as i64; // 1..=7
    let friday_back = (dow - 5).max(0);
    let start = d - Duration::days(friday_back);
    let w = dow.min(5);
    let (weeks, rest) = (n as i64 / 5, n as i64 % 5);
    let extra = if w + rest > 5 { 2 } else { 0 };
    start + Duration::days(weeks * 7 + rest + extra)
}

/// The latest start day whose `n`-th business day is on or before `due`:
/// `add_business_days(b, n) <= due` exactly when `b <= latest_start(due, n)`
/// (the due date never decreases as the start moves later).
pub fn latest_start(due: NaiveDate, n: u32) -> NaiveDate {
    let mut b = due;
    while add_business_days(b, n) > due {
        b -= Duration::days(1);
    }
    b
}

/// How many days `add_business_days` adds to a day of each weekday
/// (Monday first): the due date depends only on the start's weekday.
pub fn offsets(n: u32) -> [i32; 7] {
    let monday = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a Monday");
    std::array::from_fn(|i| {
        let d = monday + Duration::days(i as i64);
        (add_business_days(d, n) - d).num_days() as i32
    })
}

/// Business days in `(from, to]`: how many working days have passed since
/// `from` by `to` (0 when `to` is not after `from`).
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    if to <= from {
        return 0;
    }
    let days = (to - from).num_days();
    let mut n = days / 7 * 5;
    let mut d = from + Duration::days(days / 7 * 7);
    while d < to {
        d += Duration::days(1);
        if is_business_day(d) {
            n += 1;
        }
    }
    n
}

/// The first Monday strictly after `d`: where "snooze until next week" ends.
pub fn next_monday(d: NaiveDate) -> NaiveDate {
    let dow = d.weekday().number_from_monday() as i64;
    d + Duration::days(8 - dow)
}

/// "Mon 15 Jun" for reasons and the Today view.
pub fn short(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

/// 1234567 → "1,234,567".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 business day" / "3 business days".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Counting day by day: the definition the formula must agree with.
    fn slow_add(start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if is_business_day(day) {
                left -= 1;
            }
        }
        day
    }

    #[test]
    fn adding_business_days_skips_weekends() {
        // 2026-06-12 is a Friday.
        assert_eq!(add_business_days(d("2026-06-12"), 1), d("2026-06-15"), "Friday + 1 = Monday");
        assert_eq!(add_business_days(d("2026-06-11"), 3), d("2026-06-16"), "Thursday + 3 = Tuesday");
        assert_eq!(add_business_days(d("2026-06-10"), 5), d("2026-06-17"), "a week of business days");
        assert_eq!(add_business_days(d("2026-06-13"), 1), d("2026-06-15"), "Saturday + 1 = Monday");
        assert_eq!(add_business_days(d("2026-06-14"), 0), d("2026-06-14"), "cadence 0 is due at once");
        assert_eq!(add_business_days(d("2026-06-14"), 10), d("2026-06-26"), "Sunday + 10");
    }

    #[test]
    fn the_formula_agrees_with_counting_day_by_day() {
        let start = d("2026-01-01");
        for offset in 0..60 {
            let day = start + Duration::days(offset);
            for n in 0..25 {
                assert_eq!(add_business_days(day, n), slow_add(day, n), "{day} + {n}");
            }
        }
    }

    #[test]
    fn latest_start_and_offsets_agree_with_adding() {
        let start = d("2026-02-01");
        for offset in 0..40 {
            let due = start + Duration::days(offset);
            for n in 0..15 {
                let b = latest_start(due, n);
                assert!(add_business_days(b, n) <= due, "{due} {n}");
                assert!(add_business_days(b + Duration::days(1), n) > due, "{due} {n}: {b} is the latest");
                let o = offsets(n);
                assert_eq!(
                    due + Duration::days(o[due.weekday().num_days_from_monday() as usize] as i64),
                    add_business_days(due, n)
                );
            }
        }
    }

    #[test]
    fn business_days_between_counts_working_days_passed() {
        assert_eq!(business_days_between(d("2026-06-12"), d("2026-06-15")), 1, "Friday to Monday");
        assert_eq!(business_days_between(d("2026-06-13"), d("2026-06-14")), 0, "a weekend");
        assert_eq!(business_days_between(d("2026-06-15"), d("2026-06-15")), 0);
        assert_eq!(business_days_between(d("2026-06-16"), d("2026-06-15")), 0, "not backwards");
        for offset in 0..30 {
            let from = d("2026-03-01") + Duration::days(offset);
            for n in 0..15 {
                let to = add_business_days(from, n);
                let expected = if n == 0 { 0 } else { n as i64 };
                assert_eq!(business_days_between(from, to), expected, "{from} + {n} = {to}");
            }
        }
    }

    #[test]
    fn next_monday_is_strictly_after() {
        assert_eq!(next_monday(d("2026-06-15")), d("2026-06-22"), "from a Monday, the next one");
        assert_eq!(next_monday(d("2026-06-19")), d("2026-06-22"));
        assert_eq!(next_monday(d("2026-06-21")), d("2026-06-22"), "from a Sunday, the day after");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100000), "100,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
