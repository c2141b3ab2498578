//! select_top_matches: the original tool's rule, "the top 20, or every
//! candidate scoring at least 70, whichever is larger", with both numbers
//! configurable. Pure, so it is tested without a database.

use super::Ranked;

/// A candidate with its score, before ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub prospect_id: i32,
    pub full_name: String,
    pub company: String,
    pub industry: String,
    pub score: u8,
    pub reason: String,
}

/// Ranks by score (highest first; ties by prospect id, so a rerun ranks the
/// same) and selects the first `max(min(top_n, n), #score ≥ min_score)`.
/// `top_n = 0` selects by the threshold alone; `min_score = 0` with
/// `top_n = 0` selects everyone scored.
pub fn select_top_matches(mut scored: Vec<Scored>, top_n: usize, min_score: u8) -> Vec<Ranked> {
    scored.sort_by(|a, b| b.score.cmp(&a.score).then(a.prospect_id.cmp(&b.prospect_id)));
    let above = scored.iter().filter(|s| s.score >= min_score).count();
    let take = top_n.min(scored.len()).max(above);
    scored
        .into_iter()
        .enumerate()
        .map(|(i, s)| Ranked {
            rank: i + 1,
            prospect_id: s.prospect_id,
            full_name: s.full_name,
            company: s.company,
            industry: s.industry,
            score: s.score,
            reason: s.reason,
            selected: i < take,
            draft_id: None,
            invitation_note: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(scores: &[u8]) -> Vec<Scored> {
        scores
            .iter()
            .enumerate()
            .map(|(i, s)| Scored {
                prospect_id: i as i32 + 1,
                full_name: format!("p{i}"),
                company: String::new(),
                industry: String::new(),
                score: *s,
                reason: String::new(),
            })
            .collect()
    }

    fn selected(r: &[Ranked]) -> Vec<i32> {
        r.iter().filter(|r| r.selected).map(|r| r.prospect_id).collect()
    }

    #[test]
    fn top_n_when_few_pass_the_threshold() {
        // 30 candidates, 5 at ≥ 70: the top 20 win.
        let scores: Vec<u8> = (0..30).map(|i| if i < 5 { 90 } else { 10 + i as u8 }).collect();
        let r = select_top_matches(scored(&scores), 20, 70);
        assert_eq!(r.iter().filter(|r| r.selected).count(), 20);
        assert!(r.windows(2).all(|w| w[0].score >= w[1].score), "ranked by score");
        assert_eq!(r.iter().map(|r| r.rank).collect::<Vec<_>>(), (1..=30).collect::<Vec<_>>());
        assert!(r[..20].iter().all(|r| r.selected) && r[20..].iter().all(|r| !r.selected));
    }

    #[test]
    fn everyone_above_the_threshold_when_more_than_top_n() {
        let scores: Vec<u8> = (0..40).map(|i| if i < 25 { 70 + (i % 30) as u8 } else { 69 }).collect();
        let r = select_top_matches(scored(&scores), 20, 70);
        assert_eq!(r.iter().filter(|r| r.selected).count(), 25);
        assert!(r.iter().all(|r| r.selected == (r.score >= 70)));
    }

    #[test]
    fn fewer_candidates_than_top_n_selects_all_and_ties_rank_by_id() {
        let r = select_top_matches(scored(&[50, 80, 50]), 20, 70);
        assert_eq!(selected(&r), vec![2, 1, 3]);
        let r = select_top_matches(scored(&[50, 80, 50]), 0, 70);
        assert_eq!(selected(&r), vec![2], "top_n 0: the threshold alone");
        assert!(select_top_matches(vec![], 20, 70).is_empty());
    }
}
