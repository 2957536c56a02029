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
use crate::normalise::records::{ClientContacts, ClientFields, Normalised};
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

/// The rule ids a rule pack gives as a channel's basis ([`Decision::basis`]);
/// "" for none. One table for every pack (there is one today), so that a
/// basis is one byte in each record's decision rather than a 16-byte text:
/// a decision is held for every row until the outputs are written.
const BASIS_IDS: &[&str] = &[
    "",
    "fr.readable",
    "fr.email.generic_address",
    "fr.email.b2b_opt_out",
    "fr.email.client_soft_opt_in",
    "fr.email.b2c_opt_in",
    "fr.sms.b2b_opt_out",
    "fr.sms.client_soft_opt_in",
    "fr.sms.b2c_opt_in",
    "fr.phone.contract_in_progress",
    "fr.phone.b2b_opt_out",
    "fr.phone.b2c_opt_in",
    "fr.phone.b2c_bloctel",
    "fr.autocall.opt_in",
    "fr.fax.company_opt_out",
    "fr.fax.opt_in",
    "fr.post.opt_out",
];

/// The id of the rule that set a channel's regime, from [`BASIS_IDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basis(u8);

impl Basis {
    pub const NONE: Basis = Basis(0);

    /// The basis with this id; in a constant (`const { Basis::of(..) }`),
    /// an id missing from the table does not compile.
    pub const fn of(id: &str) -> Basis {
        let mut k = 0;
        while k < BASIS_IDS.len() {
            let (a, b) = (BASIS_IDS[k].as_bytes(), id.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return Basis(k as u8);
                }
            }
            k += 1;
        }
        panic!("not a basis rule id")
    }

    /// The rule's id ("" for none).
    pub fn id(self) -> &'static str {
        BASIS_IDS[self.0 as usize]
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
    pub basis: [Basis; 6],
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

    /// The one reason a rejected record is counted under, so that counts
    /// by main reason add up to the rejected count (docs/reason-codes.md):
    /// its first record-level reason in catalogue order; else the reason
    /// that denies the most channels on which the record has contact data
    /// (ties: catalogue order); `no_contact_data` only when it has data
    /// for no channel. `None` for a qualified record.
    ///
    /// Why not the first channel reason in catalogue order: almost every
    /// record lacks a fax or a street, so `no_contact_data` would hide the
    /// reason that actually stops the channels the record could use.
    pub fn main_reason(&self) -> Option<Reason> {
        if self.qualified() {
            return None;
        }
        let all = self.all_reasons();
        if let Some(r) = all
            .iter()
            .find(|r| r.level() == crate::schema::Level::Record)
        {
            return Some(r);
        }
        let with_data: Vec<Reasons> = self
            .denied
            .iter()
            .copied()
            .filter(|r| !r.contains(Reason::NoContactData))
            .collect();
        let mut best: Option<(usize, Reason)> = None;
        for r in all.iter() {
            let k = with_data.iter().filter(|c| c.contains(r)).count();
            if k > 0 && best.is_none_or(|(b, _)| k > b) {
                best = Some((k, r));
            }
        }
        Some(best.map_or(Reason::NoContactData, |(_, r)| r))
    }

    /// Channel-level reasons per channel, `channel:code;code` joined by
    /// spaces, channels in their order; channels denied only by a
    /// record-level reason are left out (`main_reason` says it).
    pub fn channel_reasons(&self) -> String {
        let mut out = String::new();
        for ch in CHANNELS {
            let codes: Vec<&str> = self.denied[ch.index()]
                .iter()
                .filter(|r| r.level() == crate::schema::Level::Channel)
                .map(Reason::code)
                .collect();
            if codes.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(ch.as_str());
            out.push(':');
            out.push_str(&codes.join(";"));
        }
        out
    }
}

/// The legal basis a channel's rule stands on, for the campaign files.
/// Rule ids end with their regime (`fr.email.b2c_opt_in`,
/// `fr.sms.client_soft_opt_in`, `fr.phone.b2b_opt_out`, ...), a convention
/// every pack keeps (checked by a test over the French pack).
pub fn legal_basis(rule_id: &str) -> &'static str {
    if rule_id.ends_with("soft_opt_in") {
        "soft_opt_in"
    } else if rule_id.ends_with("opt_in") {
        "consent"
    } else if rule_id.ends_with("contract_in_progress") {
        "contract_in_progress"
    } else if rule_id.ends_with("bloctel") {
        "opt_out_bloctel_checked"
    } else if rule_id.ends_with("opt_out") || rule_id.ends_with("generic_address") {
        "opt_out"
    } else {
        "unknown"
    }
}

/// Everything known about the run that is the same for every record.
pub struct Context<'a> {
    pub config: &'a Config,
    pub manifest: Option<&'a Manifest>,
    pub bloctel: Option<&'a BloctelList>,
    /// The client file or an opposition list could not be fetched
    /// (`optional`): every decision fails closed.
    pub sources_unavailable: bool,
}

/// Everything known about one record.
pub struct Facts<'a> {
    pub row: usize,
    pub list: &'a Normalised,
    /// Client-file columns carried by the list itself (own_customers lists).
    pub list_client: Option<&'a ClientFields>,
    pub links: &'a Links,
    /// The client file: what the rules read of a matched client.
    pub clients: Option<(&'a ClientContacts, &'a ClientFields)>,
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

    fn decision(denied: [&[Reason]; 6]) -> Decision {
        Decision {
            audience: Audience::B2c,
            audience_reason: "test",
            denied: denied.map(|r| r.iter().copied().collect()),
            contactable_until: None,
            purge: None,
            basis: [Basis::NONE; 6],
        }
    }

    #[test]
    fn every_basis_is_a_rule_of_the_pack_and_reads_back() {
        let pack = pack_by_name("fr").unwrap();
        for (k, id) in BASIS_IDS.iter().enumerate().skip(1) {
            assert!(
                pack.rules().iter().any(|r| r.id == *id),
                "{id} is not a rule of the fr pack"
            );
            assert_eq!(Basis::of(id), Basis(k as u8));
            assert_eq!(Basis::of(id).id(), *id);
        }
        assert_eq!(Basis::NONE.id(), "");
        assert!(BASIS_IDS.len() <= usize::from(u8::MAX) + 1);
        // One decision a row is held until the outputs are written (10M
        // rows: 0.6 GB at this size, 1.5 GB with the bases as texts).
        assert!(std::mem::size_of::<Decision>() <= 64);
    }

    #[test]
    fn the_main_reason_is_the_record_reason_else_what_blocks_the_usable_channels() {
        use Reason::*;
        let none: &[Reason] = &[NoContactData];
        // email, sms, phone, autocall, fax, post
        let d = decision([
            &[NoConsent],
            &[NoConsent],
            &[Bloctel],
            &[NoConsent],
            none,
            none,
        ]);
        assert_eq!(d.main_reason(), Some(NoConsent));
        assert_eq!(
            d.channel_reasons(),
            "email:no_consent sms:no_consent phone:bloctel autocall:no_consent fax:no_contact_data post:no_contact_data"
        );
        let d = decision([none, none, none, none, none, none]);
        assert_eq!(d.main_reason(), Some(NoContactData));
        let dup: &[Reason] = &[Duplicate, Stale];
        let d = decision([dup, dup, dup, dup, dup, dup]);
        assert_eq!(d.main_reason(), Some(Duplicate));
        assert_eq!(d.channel_reasons(), "");
        // A tie between two reasons on one channel each: catalogue order.
        let d = decision([&[Opposed], none, &[NoConsent], none, none, none]);
        assert_eq!(d.main_reason(), Some(NoConsent));
        let d = decision([&[], none, none, none, none, none]);
        assert_eq!(d.main_reason(), None);
    }

    #[test]
    fn every_channel_rule_of_the_french_pack_names_its_legal_basis() {
        for r in fr::FrancePack.rules() {
            // Channel rules govern one channel; `all` rules are record-level.
            if r.channels.len() == 1 && r.id.matches('.').count() == 2 {
                assert_ne!(legal_basis(r.id), "unknown", "{}", r.id);
            }
        }
    }
}
