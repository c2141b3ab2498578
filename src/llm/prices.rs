//! What a call cost: the shipped price table (assets/prices.toml) with
//! config overrides. A model that answers under a name the table does not
//! know is priced as the configured model; only when both are unknown does
//! a call cost 0 (warned about once), and then no budget may be set.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::config::Price;

use super::client::Usage;

const SHIPPED: &str = include_str!("../../assets/prices.toml");

#[derive(Debug)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
    warned: Mutex<BTreeSet<String>>,
}

impl PriceTable {
    /// The shipped table with `overrides` (config `[llm.prices]`) on top.
    pub fn new(overrides: &BTreeMap<String, Price>) -> Self {
        let mut prices: BTreeMap<String, Price> = toml::from_str(SHIPPED).expect("assets/prices.toml is valid");
        for (k, v) in overrides {
            prices.insert(k.to_lowercase(), *v);
        }
        Self { prices, warned: Mutex::new(BTreeSet::new()) }
    }

    /// The price for a model name as a provider reports it.
    pub fn lookup(&self, model: &str) -> Option<Price> {
        let m = model.to_lowercase();
        let m = m.rsplit('/').next().unwrap_or(&m);
        if let Some(p) = self.prices.get(m) {
            return Some(*p);
        }
        self.prices
            .iter()
            .filter(|(k, _)| m.starts_with(k.as_str()) && m[k.len()..].starts_with(['-', '@', ':', '.']))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| *p)
    }

    /// USD for one call answered by `answered`, priced as `configured` (the
    /// model asked for) when the table has no price for the answered name:
    /// a provider cannot make a call free by answering with a name Closer
    /// does not know. Warned about once per name.
    pub fn cost_or(&self, answered: &str, configured: &str, usage: &Usage) -> f64 {
        if self.lookup(answered).is_some() || self.lookup(configured).is_none() {
            return self.cost(answered, usage);
        }
        let mut warned = self.warned.lock().expect("not poisoned");
        if warned.insert(answered.to_string()) {
            tracing::warn!(
                answered,
                configured,
                "the provider answered with a model that has no price: priced as the configured model"
            );
        }
        drop(warned);
        self.cost(configured, usage)
    }

    /// USD for one call. Prompt tokens include cached ones (OpenAI style):
    /// (prompt − cached) × input + cached × cached-input + completion × output.
    pub fn cost(&self, model: &str, usage: &Usage) -> f64 {
        let Some(p) = self.lookup(model) else {
            let mut warned = self.warned.lock().expect("not poisoned");
            if warned.insert(model.to_string()) {
                tracing::warn!(
                    model,
                    "no price for this model: its calls are logged at cost 0 (add it under [llm.prices])"
                );
            }
            return 0.0;
        };
        let cached = usage.cached().clamp(0, usage.prompt_tokens.max(0));
        let uncached = usage.prompt_tokens.max(0) - cached;
        let cached_price = p.cached_input.unwrap_or(p.input);
        (uncached as f64 * p.input + cached as f64 * cached_price + usage.completion_tokens.max(0) as f64 * p.output)
            / 1_000_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::client::PromptDetails;

    #[test]
    fn lookup_and_arithmetic() {
        let t = PriceTable::new(&BTreeMap::new());
        assert_eq!(t.lookup("gpt-4o-2024-08-06").unwrap().input, 2.5);
        assert_eq!(t.lookup("gpt-4o-mini-2024-07-18").unwrap().input, 0.15, "longest prefix wins");
        assert_eq!(t.lookup("openai/gpt-4.1-mini").unwrap().output, 1.6);
        assert_eq!(t.lookup("claude-3-5-sonnet-20241022").unwrap().output, 15.0);
        assert!(t.lookup("gpt-4oops").is_none(), "a prefix must end at a separator");
        let usage = Usage {
            prompt_tokens: 1_000_000,
            completion_tokens: 100_000,
            total_tokens: 1_100_000,
            prompt_tokens_details: Some(PromptDetails { cached_tokens: 400_000 }),
        };
        // 600k × 2.5 + 400k × 1.25 + 100k × 10, per million.
        assert!((t.cost("gpt-4o", &usage) - (1.5 + 0.5 + 1.0)).abs() < 1e-12);
        assert_eq!(t.cost("my-unknown-model", &usage), 0.0);
        // An answer from an unknown name is priced as the model asked for.
        assert_eq!(t.cost_or("my-unknown-model", "gpt-4o", &usage), t.cost("gpt-4o", &usage));
        assert_eq!(t.cost_or("gpt-4o-mini", "gpt-4o", &usage), t.cost("gpt-4o-mini", &usage), "a known answer wins");
    }

    #[test]
    fn config_overrides_the_table() {
        let mut o = BTreeMap::new();
        o.insert("gpt-4o".to_string(), Price { input: 1.0, output: 1.0, cached_input: None });
        let t = PriceTable::new(&o);
        let usage = Usage {
            prompt_tokens: 1_000_000,
            completion_tokens: 0,
            total_tokens: 1_000_000,
            prompt_tokens_details: None,
        };
        assert_eq!(t.cost("gpt-4o", &usage), 1.0);
    }
}
