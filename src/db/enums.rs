//! Enum labels come from the database (pg_enum), never from Closer: the
//! original tool writes upper-case member names, other databases use other
//! labels, and Closer shows and writes whichever labels it finds.

use std::collections::BTreeMap;

use color_eyre::eyre::{eyre, Result};
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EnumKind {
    ProspectStatus,
    PricingModels,
    InteractionTypes,
}

impl EnumKind {
    pub fn type_name(self) -> &'static str {
        match self {
            Self::ProspectStatus => "prospect_status",
            Self::PricingModels => "pricing_models",
            Self::InteractionTypes => "interaction_types",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnumLabels {
    labels: BTreeMap<&'static str, Vec<String>>,
}

impl EnumLabels {
    pub async fn load(pool: &PgPool) -> Result<Self> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.typname::text, e.enumlabel::text
               FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
              WHERE t.typname = ANY($1) AND pg_type_is_visible(t.oid)
              ORDER BY t.typname, e.enumsortorder",
        )
        .bind(vec!["prospect_status", "pricing_models", "interaction_types"])
        .fetch_all(pool)
        .await?;
        let mut labels: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for kind in [EnumKind::ProspectStatus, EnumKind::PricingModels, EnumKind::InteractionTypes] {
            let list: Vec<String> =
                rows.iter().filter(|(t, _)| t == kind.type_name()).map(|(_, l)| l.clone()).collect();
            if list.is_empty() {
                return Err(eyre!("enum type `{}` has no labels in this database", kind.type_name()));
            }
            labels.insert(kind.type_name(), list);
        }
        Ok(Self { labels })
    }

    /// Labels given directly (state tests without a database).
    pub fn from_lists(status: &[&str], pricing: &[&str], interaction: &[&str]) -> Self {
        let own = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        let mut labels = BTreeMap::new();
        labels.insert(EnumKind::ProspectStatus.type_name(), own(status));
        labels.insert(EnumKind::PricingModels.type_name(), own(pricing));
        labels.insert(EnumKind::InteractionTypes.type_name(), own(interaction));
        Self { labels }
    }

    /// The labels in the database's sort order.
    pub fn labels(&self, kind: EnumKind) -> &[String] {
        self.labels.get(kind.type_name()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The database's label for a meaning, matched loosely: `find(.., "closed won")`
    /// finds `CLOSED_WON`, `closed_won` or `Closed Won`.
    pub fn find(&self, kind: EnumKind, meaning: &str) -> Option<&str> {
        let want = normalise(meaning);
        self.labels(kind).iter().find(|l| normalise(l) == want).map(String::as_str)
    }

    /// Whether `label` is one of the database's labels, exactly.
    pub fn contains(&self, kind: EnumKind, label: &str) -> bool {
        self.labels(kind).iter().any(|l| l == label)
    }
}

fn normalise(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
