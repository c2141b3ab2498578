//! The monthly budget: this month's spend, read from llm_usage_logs and kept
//! up to date in memory, and the worst-case reservation that holds a call's
//! cost against the budget while it is in flight.

use std::time::Duration;

use serde_json::Value;

use super::{JobError, Pipeline};
use crate::llm::client::Message;

#[derive(Debug, Default)]
pub(super) struct MonthSpend {
    /// When llm_usage_logs was last summed, and the sum plus this process's spending since.
    read: Option<(std::time::Instant, f64)>,
    /// The worst-case cost of the calls in flight, reserved before each is sent.
    reserved: f64,
}

/// A call's worst-case cost, held against the budget while the call is in
/// flight; released (with the real cost added to the month) when it is settled
/// or dropped (a cancelled job).
pub(super) struct Reservation<'a> {
    spend: &'a std::sync::Mutex<MonthSpend>,
    amount: f64,
}

impl Reservation<'_> {
    /// Adds the call's real cost to the month; dropping `self` then releases
    /// the reservation (for a moment both count: never neither).
    pub(super) fn settle(self, cost: f64) {
        if let Some((_, spent)) = self.spend.lock().expect("not poisoned").read.as_mut() {
            *spent += cost;
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut m = self.spend.lock().expect("not poisoned");
        m.reserved = (m.reserved - self.amount).max(0.0);
    }
}

impl Pipeline {
    /// This month's spend (llm_usage_logs, re-read every 30 s, plus this
    /// process's spending since).
    async fn month_spend(&self) -> Result<f64, JobError> {
        const REFRESH: Duration = Duration::from_secs(30);
        if let Some((at, spent)) = self.month_spend.lock().expect("not poisoned").read {
            if at.elapsed() < REFRESH {
                return Ok(spent);
            }
        }
        let spent = self.db.month_to_date_cost().await?;
        self.month_spend.lock().expect("not poisoned").read = Some((std::time::Instant::now(), spent));
        Ok(spent)
    }

    pub(super) fn add_spend(&self, cost: f64) {
        if let Some((_, spent)) = self.month_spend.lock().expect("not poisoned").read.as_mut() {
            *spent += cost;
        }
    }

    /// The most a call with these messages can cost: every byte of the
    /// prompt (and schema) a token, and `max_tokens` of answer, at the
    /// configured model's price. With a budget set, a model without a price
    /// cannot be bounded, so it is refused with what to do.
    pub(super) fn worst_case_cost(&self, messages: &[Message], schema: &Value) -> Result<f64, JobError> {
        if self.monthly_budget <= 0.0 {
            return Ok(0.0);
        }
        let model = &self.provider.model;
        let Some(price) = self.prices.lookup(model) else {
            return Err(JobError::Failed(format!(
                "no price for model {model}, so the monthly budget cannot be kept: add [llm.prices.\"{model}\"] \
                 (input and output USD per million tokens; 0 for a free local model) or set llm.monthly_budget_usd = 0"
            )));
        };
        let prompt_tokens: usize =
            messages.iter().map(|m| m.content.len() + 16).sum::<usize>() + schema.to_string().len() + 64;
        Ok(price.for_tokens(prompt_tokens as f64, self.provider.max_tokens as f64))
    }

    /// Holds `worst_case` against the budget while a call is in flight, or
    /// refuses the call when this month's spend, the calls in flight and this
    /// one could pass the budget. Without a budget, reserves nothing.
    pub(super) async fn reserve(&self, worst_case: f64) -> Result<Option<Reservation<'_>>, JobError> {
        if self.monthly_budget <= 0.0 {
            return Ok(None);
        }
        self.month_spend().await?;
        let mut m = self.month_spend.lock().expect("not poisoned");
        let spent = m.read.map(|(_, s)| s).unwrap_or(0.0);
        if spent + m.reserved + worst_case > self.monthly_budget {
            return Err(JobError::BudgetReached { spent: spent + m.reserved, budget: self.monthly_budget });
        }
        m.reserved += worst_case;
        Ok(Some(Reservation { spend: &self.month_spend, amount: worst_case }))
    }
}
