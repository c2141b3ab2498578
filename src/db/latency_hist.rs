//! The latency histogram kept in the cost rollups.
//!
//! Exact percentiles need every distinct latency value, which for
//! millisecond latencies is nearly as many values as rows: a rollup of them
//! would be as big as the table. So latencies are counted in buckets: below
//! 64 ms each millisecond is its own bucket (exact); above, each bucket is
//! 1.5% wider than the one before. A bucket's representative is the middle
//! of its range, at most 0.75% from any value in it, so a percentile taken
//! from the histogram is within 0.75% of PostgreSQL's `percentile_cont`
//! (interpolating between two values each within 0.75% stays within it).
//!
//! The bucket of a value is computed in SQL only ([`BUCKET_SQL`]), so every
//! rollup agrees on it; Rust only maps buckets back to values.

use std::collections::BTreeMap;

/// Values below this are their own bucket.
const EXACT_BELOW: i32 = 64;
/// Each bucket above [`EXACT_BELOW`] is this much wider than the previous one.
const RATIO: f64 = 1.015;

/// The bucket of `latency_ms`, as SQL. Must stay in step with [`bucket`].
pub const BUCKET_SQL: &str = "CASE WHEN latency_ms < 64 THEN latency_ms \
     ELSE 64 + floor(ln(latency_ms::float8 / 64) / ln(1.015::float8))::int END";

/// The bucket of a value, as [`BUCKET_SQL`] computes it (for tests).
pub fn bucket(v: i32) -> i32 {
    if v < EXACT_BELOW {
        v
    } else {
        EXACT_BELOW + ((v as f64 / EXACT_BELOW as f64).ln() / RATIO.ln()).floor() as i32
    }
}

/// The value a bucket stands for: itself below 64 ms, else the middle of its range.
pub fn representative(bucket: i32) -> f64 {
    if bucket < EXACT_BELOW {
        bucket as f64
    } else {
        let lo = EXACT_BELOW as f64 * RATIO.powi(bucket - EXACT_BELOW);
        lo * (1.0 + RATIO) / 2.0
    }
}

/// Bucket → count. Buckets 0..DENSE are kept in a vector (merging thousands
/// of rollup rows is then array additions); the rest (negative latencies,
/// which only broken data has) in a map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hist {
    dense: Vec<i64>,
    other: BTreeMap<i32, i64>,
}

const DENSE: usize = 1400;

impl Hist {
    pub fn add(&mut self, bucket: i32, count: i64) {
        if count == 0 {
            return;
        }
        if (0..DENSE as i32).contains(&bucket) {
            if self.dense.is_empty() {
                self.dense = vec![0; DENSE];
            }
            self.dense[bucket as usize] += count;
        } else {
            *self.other.entry(bucket).or_default() += count;
        }
    }

    pub fn merge(&mut self, other: &Hist) {
        for (b, c) in other.iter() {
            self.add(b, c);
        }
    }

    /// Adds an encoded histogram (see [`Hist::encode`]).
    pub fn merge_encoded(&mut self, bytes: &[u8]) {
        let mut at = 0;
        let mut prev = 0i64;
        while at < bytes.len() {
            let (Some(delta), Some(count)) = (varint(bytes, &mut at), varint(bytes, &mut at)) else { break };
            prev += unzigzag(delta);
            self.add(prev as i32, count as i64);
        }
    }

    /// (bucket, count) in bucket order, without empty buckets.
    pub fn iter(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        let negative = self.other.range(..0).map(|(b, c)| (*b, *c));
        let dense = self.dense.iter().enumerate().filter(|(_, c)| **c != 0).map(|(b, c)| (b as i32, *c));
        let high = self.other.range(DENSE as i32..).map(|(b, c)| (*b, *c));
        negative.chain(dense).chain(high)
    }

    pub fn count(&self) -> i64 {
        self.iter().map(|(_, c)| c).sum()
    }

    /// Varints of (bucket delta, zigzagged; count), in bucket order.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = 0i64;
        for (b, c) in self.iter() {
            put_varint(&mut out, zigzag(b as i64 - prev));
            put_varint(&mut out, c as u64);
            prev = b as i64;
        }
        out
    }

    /// `percentile_cont(p)` over the histogram's values (each bucket taken
    /// as its representative): interpolates between the values at ranks
    /// floor and ceil of p × (n − 1), as PostgreSQL does.
    pub fn percentile(&self, p: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
        let (lo, hi) = (pos.floor() as i64, pos.ceil() as i64);
        let (mut a, mut b) = (None, None);
        let mut seen = 0;
        for (bucket, c) in self.iter() {
            seen += c;
            if a.is_none() && lo < seen {
                a = Some(representative(bucket));
            }
            if hi < seen {
                b = Some(representative(bucket));
                break;
            }
        }
        let (a, b) = (a.unwrap_or(0.0), b.or(a).unwrap_or(0.0));
        a + (b - a) * (pos - lo as f64)
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_within_three_quarters_of_a_percent() {
        for v in -5..64 {
            assert_eq!(representative(bucket(v)), v as f64);
        }
        for v in (64..2_000_000).step_by(7).chain([i32::MAX - 1, i32::MAX]) {
            let r = representative(bucket(v));
            assert!(((r - v as f64) / v as f64).abs() <= 0.0076, "{v} → {r}");
        }
    }

    #[test]
    fn encoding_round_trips_and_merges() {
        let mut h = Hist::default();
        for (b, c) in [(-3, 2), (0, 1), (5, 7), (700, 1), (1399, 3), (1500, 4)] {
            h.add(b, c);
        }
        let mut back = Hist::default();
        back.merge_encoded(&h.encode());
        assert_eq!(back, h);
        back.merge_encoded(&h.encode());
        assert_eq!(back.count(), 2 * h.count());
        assert_eq!(back.iter().next(), Some((-3, 4)));
    }

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        // Values 10, 20, 20, 40 (all exact buckets).
        let mut h = Hist::default();
        h.add(10, 1);
        h.add(20, 2);
        h.add(40, 1);
        assert_eq!(h.percentile(0.0), 10.0);
        assert_eq!(h.percentile(0.5), 20.0);
        assert_eq!(h.percentile(1.0), 40.0);
        assert!((h.percentile(0.95) - 37.0).abs() < 1e-9);
        assert_eq!(Hist::default().percentile(0.5), 0.0);
    }
}
