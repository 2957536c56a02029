//! Stage 5, rules. In: the normalised, linked records, the manifest and the
//! config. Out: one [`Decision`] per record: its audience (B2B / B2C) and,
//! for each of the six channels, allowed or denied with every reason that
//! applies. Decisions are a pure function of those inputs and the run's
//! as-of date; nothing here reads the clock or writes a file.
//!
//! The engine is country-neutral: a [`RulePack`] decides one record at a
//! time from its [`Facts`]. France is [`fr::FrancePack`]; another country is
//! another module implementing the trait, selected in [`pack_by_name`].

pub mod fr;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::Config;
use crate::link::suppression::BloctelList;
use crate::link::Links;
use crate::manifest::Manifest;
use crate::normalise::records::{ClientFields, Normalised};
use crate::schema::{Channel, Reason, CHANNELS, REASONS};

/// A set of reasons as a bit mask over the catalogue; iterating it yields
/// reasons in catalogue order, which is the order outputs use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reasons(u32);

impl Reasons {
    pub fn insert(&mut self, r: Reason) {
        self.0 |= 1 << (r as u32);
    }
    pub fn contains(self, r: Reason) -> bool {
        self.0 & (1 << (r as u32)) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn union(self, other: Reasons) -> Reasons {
        Reasons(self.0 | other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Reason> {
        REASONS.iter().copied().filter(move |r| self.contains(*r))
    }
    /// Codes joined by `;` in catalogue order (empty when allowed).
    pub fn codes(self) -> String {
        self.iter().map(Reason::code).collect::<Vec<_>>().join(";")
    }
}

impl FromIterator<Reason> for Reasons {
    fn from_iter<I: IntoIterator<Item = Reason>>(iter: I) -> Self {
        let mut s = Reasons::default();
        for r in iter {
            s.insert(r);
        }
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    B2b,
    B2c,
    Unknown,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::B2b => "b2b",
            Audience::B2c => "b2c",
            Audience::Unknown => "unknown",
        }
    }
}

/// One record's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub audience: Audience,
    pub audience_reason: &'static str,
    /// Denial reasons per channel, in [`CHANNELS`] order; empty = allowed.
    pub denied: [Reasons; 6],
    /// The day the record's freshness window closes.
    pub contactable_until: Option<NaiveDate>,
    /// Set when the buyer must purge the record (stale, transfer refused).
    pub purge: Option<Reason>,
    /// Per channel, the id of the rule that set the channel's regime (see
    /// [`RulePack::rules`]); `explain` prints it with its source.
    pub basis: [&'static str; 6],
}

impl Decision {
    pub fn allowed(&self, channel: crate::schema::Channel) -> bool {
        self.denied[channel.index()].is_empty()
    }
    pub fn qualified(&self) -> bool {
        self.denied.iter().any(|r| r.is_empty())
    }
    /// Every reason on any channel.
    pub fn all_reasons(&self) -> Reasons {
        self.denied
            .iter()
            .fold(Reasons::default(), |a, r| a.union(*r))
    }
}

/// Everything known about the run that is the same for every record.
pub struct Context<'a> {
    pub config: &'a Config,
    pub manifest: Option<&'a Manifest>,
    pub bloctel: Option<&'a BloctelList>,
}

/// Everything known about one record.
pub struct Facts<'a> {
    pub row: usize,
    pub list: &'a Normalised,
    /// Client-file columns carried by the list itself (own_customers lists).
    pub list_client: Option<&'a ClientFields>,
    pub links: &'a Links,
    pub clients: Option<(&'a Normalised, &'a ClientFields)>,
    pub malformed: bool,
    pub job_title: Option<&'a str>,
    pub company_name: Option<&'a str>,
    /// What the company check found (not checked by default).
    pub company: crate::company::CompanyStatus,
}

/// One documented rule of a pack: what it checks, where, from when, and
/// the law or guidance it comes from. `schemas/rules.md`, `qualify schema`
/// and `qualify explain` print these.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    /// Channels it governs ("all" for record-level rules).
    pub channels: &'static [Channel],
    /// Who it applies to, in words.
    pub applies_to: &'static str,
    pub effective_from: Option<NaiveDate>,
    /// Last day it applies (inclusive).
    pub effective_until: Option<NaiveDate>,
    pub rule: &'static str,
    pub source: &'static str,
    /// Reason codes it can produce.
    pub reasons: &'static [Reason],
}

impl RuleInfo {
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.effective_from.is_none_or(|f| day >= f)
            && self.effective_until.is_none_or(|u| day <= u)
    }
}

/// A country's rules.
pub trait RulePack: Sync {
    fn name(&self) -> &'static str;
    fn version(&self) -> &'static str;
    /// The documented rules of the pack.
    fn rules(&self) -> &'static [RuleInfo];
    fn decide(&self, facts: &Facts, ctx: &Context) -> Decision;
}

pub fn pack_by_name(name: &str) -> Option<Box<dyn RulePack>> {
    match name {
        "fr" => Some(Box::new(fr::FrancePack)),
        _ => None,
    }
}

/// Decides every record, in parallel.
pub fn decide_all<'a>(
    pack: &dyn RulePack,
    ctx: &Context,
    facts: impl Fn(usize) -> Facts<'a> + Sync,
    rows: usize,
) -> Vec<Decision> {
    (0..rows)
        .into_par_iter()
        .map(|i| pack.decide(&facts(i), ctx))
        .collect()
}

/// Adds a reason to every channel.
pub fn deny_all(denied: &mut [Reasons; 6], r: Reason) {
    for ch in CHANNELS {
        denied[ch.index()].insert(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_iterate_in_catalogue_order() {
        let r: Reasons = [Reason::Opposed, Reason::Duplicate, Reason::NoConsent]
            .into_iter()
            .collect();
        assert_eq!(r.codes(), "duplicate;no_consent;opposed");
        assert!(Reasons::default().codes().is_empty());
    }
}
