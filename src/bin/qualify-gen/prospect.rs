//! List rows: a [`Person`] written as a prospect row with dates, consents and
//! planted problems (bad emails and phones, swapped columns, consent and date
//! problems), and duplicates of earlier rows.
//!
//! In: a person, or an earlier row and its [`Meta`]. Out: the [`Row`] and its
//! [`Meta`]: the keys the row really has and the tags of truth.csv.

use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::columns::{col, copy_row, Row};
use super::generator::Gen;
use super::people::Person;
use super::phone::{pairs, pick_num_style, push_digits, random_nsn, write_num, Num, NumKind};
use super::text::{pick_date_style, random_date, strip_accents_into, write_date};
use super::vocab::Region::Metro;
use super::vocab::{DISPOSABLE, GARBAGE_DATES, NO, SOURCES, UNRECOGNISED, YES};
use super::{collected_first, collected_last, stale_limit, ymd};

/// What the generator knows about a written list row.
#[derive(Clone, Default)]
pub(super) struct Meta {
    pub(super) source_row: u64,
    pub(super) entity: u64,
    pub(super) client: Option<u32>,
    pub(super) email_key: String,
    pub(super) tel: Num,
    pub(super) mob: Num,
    pub(super) collected: Option<NaiveDate>,
    last_contact: Option<NaiveDate>,
    /// Row-level planted tags, `;`-joined.
    pub(super) tags: String,
    /// Person-level tags (client, opposition), repeated on duplicates.
    pub(super) entity_tags: String,
    pub(super) b2b: bool,
    pub(super) is_dup: bool,
}

impl Meta {
    pub(super) fn tag(&mut self, t: &str) {
        if !self.tags.is_empty() {
            self.tags.push(';');
        }
        self.tags.push_str(t);
    }
    pub(super) fn entity_tag(&mut self, t: &str) {
        if !self.entity_tags.is_empty() {
            self.entity_tags.push(';');
        }
        self.entity_tags.push_str(t);
    }
    pub(super) fn has_tag(&self, t: &str) -> bool {
        self.tags.split(';').any(|x| x == t)
    }
    fn stale(&self) -> bool {
        let reference = self
            .last_contact
            .or(self.collected)
            .unwrap_or_else(collected_first);
        reference < stale_limit()
    }
    /// The `planted` cell of truth.csv.
    pub(super) fn planted_into(&self, out: &mut String) {
        out.clear();
        out.push_str(&self.tags);
        if self.stale() {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str("stale");
        }
        if !self.entity_tags.is_empty() {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(&self.entity_tags);
        }
    }
}

impl Gen {
    fn consent_value(&mut self, out: &mut String) -> Option<bool> {
        out.clear();
        let r = self.rng.gen_range(0..1000);
        let (list, v) = match r {
            0..=569 => (YES, Some(true)),
            570..=799 => (NO, Some(false)),
            800..=989 => return None,
            _ => (UNRECOGNISED, None),
        };
        out.push_str(list.choose(&mut self.rng).expect("non-empty"));
        v
    }

    /// Writes `p` as a list row with dates, consents and planted problems.
    pub(super) fn gen_prospect(&mut self, p: &Person, row: &mut Row, meta: &mut Meta) {
        meta.tags.clear();
        meta.entity_tags.clear();
        meta.client = None;
        meta.is_dup = false;
        meta.b2b = p.b2b;
        meta.tag(if p.b2b {
            "audience=b2b"
        } else {
            "audience=b2c"
        });
        for f in row.iter_mut() {
            f.clear();
        }
        row[col::CIVILITY].push_str(&p.civility);
        row[col::FIRST].push_str(&p.first);
        if self.chance(0.1) {
            row[col::LAST].push_str(&p.last.to_uppercase());
        } else {
            row[col::LAST].push_str(&p.last);
        }
        row[col::COMPANY].push_str(&p.company);
        row[col::SIRET].push_str(&p.siret);
        if p.siret_invalid {
            meta.tag("siret_invalid");
        }
        row[col::JOB].push_str(&p.job);
        row[col::ADDRESS].push_str(&p.address);
        row[col::POSTCODE].push_str(&p.postcode);
        row[col::CITY].push_str(&p.city);
        row[col::COUNTRY].push_str(&p.country);
        if p.overseas {
            meta.tag("overseas");
        }
        if p.foreign {
            meta.tag("foreign");
        }
        if p.role_email {
            meta.tag("role_email");
        }
        if p.webmail_on_b2b {
            meta.tag("webmail_on_b2b");
        }

        // Email, with planted problems.
        meta.email_key.clone_from(&p.email_key);
        if !p.email.is_empty() {
            let r = self.rng.gen_range(0..1000);
            if r < 50 {
                corrupt_email(&mut self.rng, &p.email, &mut row[col::EMAIL]);
                meta.email_key.clear();
                meta.tag("invalid_email");
            } else if r < 57 {
                let domain = DISPOSABLE.choose(&mut self.rng).expect("non-empty");
                let mut tmp = p.clone();
                self.fresh_email(&mut tmp, domain, false);
                row[col::EMAIL].push_str(&tmp.email);
                meta.email_key.clone_from(&tmp.email_key);
                meta.tag("disposable");
            } else if r < 110 {
                capitalise_email(&p.email, &mut row[col::EMAIL]);
            } else if r < 125 {
                row[col::EMAIL].push(' ');
                row[col::EMAIL].push_str(&p.email);
                row[col::EMAIL].push(' ');
            } else {
                row[col::EMAIL].push_str(&p.email);
            }
        }

        // Numbers, with planted problems.
        meta.tel.clone_from(&p.tel);
        meta.mob.clone_from(&p.mob);
        let style = pick_num_style(&mut self.rng);
        if p.tel.is_some() {
            write_num(&mut row[col::PHONE], &p.tel, style);
        }
        if p.mob.is_some() {
            write_num(&mut row[col::MOBILE], &p.mob, style);
        }
        if p.fax.is_some() {
            write_num(&mut row[col::FAX], &p.fax, style);
        }
        let r = self.rng.gen_range(0..1000);
        if r < 40 {
            let c = if row[col::MOBILE].is_empty()
                || (!row[col::PHONE].is_empty() && self.chance(0.4))
            {
                if row[col::PHONE].is_empty() {
                    let region = p.region.unwrap_or(Metro(1));
                    let mut n = Num::default();
                    random_nsn(&mut self.rng, region, NumKind::Mobile, &mut n);
                    write_num(&mut row[col::PHONE], &n, style);
                }
                meta.tel.clear();
                col::PHONE
            } else {
                meta.mob.clear();
                col::MOBILE
            };
            corrupt_phone(&mut self.rng, &mut row[c]);
            meta.tag("invalid_phone");
        } else if r < 46 && matches!(p.region, Some(Metro(_))) {
            let mut n = Num::default();
            self.fresh_num(Metro(1), NumKind::Premium, &mut n);
            write_num(&mut row[col::PHONE], &n, style);
            meta.tel.clear();
            meta.tag("premium");
        } else if r < 66 && p.tel.is_some() && p.mob.is_some() {
            row.swap(col::PHONE, col::MOBILE);
            meta.tag("phones_swapped");
        } else if r < 86 && !p.tel.is_some() && p.mob.is_some() {
            row.swap(col::PHONE, col::MOBILE);
            meta.tag("mobile_in_phone_column");
        }

        // Dates.
        let date_style = pick_date_style(&mut self.rng);
        let old = self.chance(0.03);
        let collected = if old {
            random_date(&mut self.rng, collected_first(), ymd(2023, 11, 15))
        } else {
            random_date(&mut self.rng, ymd(2023, 12, 1), collected_last())
        };
        if self.chance(0.012) {
            row[col::COLLECTED].push_str(GARBAGE_DATES.choose(&mut self.rng).expect("non-empty"));
            meta.collected = None;
            meta.tag("bad_date");
        } else {
            write_date(&mut row[col::COLLECTED], collected, date_style);
            meta.collected = Some(collected);
        }
        meta.last_contact = None;
        let contact = if old {
            if self.chance(0.25) {
                meta.tag("old_collection_recent_contact");
                Some(random_date(
                    &mut self.rng,
                    ymd(2024, 1, 1),
                    ymd(2026, 11, 15),
                ))
            } else {
                None
            }
        } else if self.chance(0.4) {
            Some(random_date(&mut self.rng, collected, ymd(2026, 11, 15)))
        } else {
            None
        };
        if let Some(d) = contact {
            if self.chance(0.005) {
                row[col::LAST_CONTACT]
                    .push_str(GARBAGE_DATES.choose(&mut self.rng).expect("non-empty"));
                if !meta.has_tag("bad_date") {
                    meta.tag("bad_date");
                }
            } else {
                write_date(&mut row[col::LAST_CONTACT], d, date_style);
                meta.last_contact = Some(d);
            }
        }
        let (source, code) = *SOURCES.choose(&mut self.rng).expect("non-empty");
        row[col::SOURCE].push_str(source);

        // Consents.
        let mut any_yes = false;
        if self.chance(0.15) {
            meta.tag("missing_consent");
        } else {
            let mut unrecognised = false;
            for (c, c_at, name) in [
                (col::C_EMAIL, col::C_EMAIL_AT, "email"),
                (col::C_SMS, col::C_SMS_AT, "sms"),
                (col::C_PHONE, col::C_PHONE_AT, "phone"),
            ] {
                let mut cell = std::mem::take(&mut row[c]);
                let v = self.consent_value(&mut cell);
                if v.is_none() && !cell.is_empty() {
                    unrecognised = true;
                }
                row[c] = cell;
                if v == Some(true) {
                    any_yes = true;
                    let r = self.rng.gen_range(0..1000);
                    let base = meta.collected.unwrap_or(collected);
                    if r < 70 {
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_without_date={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else if r < 95 {
                        let d = random_date(&mut self.rng, ymd(2026, 12, 1), ymd(2027, 6, 30));
                        write_date(&mut row[c_at], d, date_style);
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_after_as_of={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else if r < 120 && meta.collected.is_some() {
                        let d = base - Duration::days(self.rng.gen_range(1..400));
                        write_date(&mut row[c_at], d, date_style);
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_before_collection={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else {
                        let d = random_date(&mut self.rng, base, ymd(2026, 11, 22));
                        write_date(&mut row[c_at], d, date_style);
                    }
                }
            }
            if unrecognised {
                meta.tag("consent_unrecognised");
            }
        }
        for c in [col::C_FAX, col::C_AUTOCALL] {
            if self.chance(0.07) {
                let list = if self.chance(0.6) { YES } else { NO };
                row[c].push_str(list.choose(&mut self.rng).expect("non-empty"));
            }
        }
        let r = self.rng.gen_range(0..100);
        if r < 35 {
            row[col::C_POST].push_str("oui");
        } else if r < 50 {
            row[col::C_POST].push_str("non");
        }
        let r = self.rng.gen_range(0..100);
        if r < 80 {
            row[col::C_PARTNERS].push_str(YES.choose(&mut self.rng).expect("non-empty"));
        } else if r < 87 {
            row[col::C_PARTNERS].push_str(NO.choose(&mut self.rng).expect("non-empty"));
            meta.tag("partners_refused");
        }
        if self.chance(0.95) {
            let proof = &mut row[col::PROOF];
            let _ = match self.rng.gen_range(0..3) {
                0 => write!(
                    proof,
                    "{code}-v{}#{:06}",
                    self.rng.gen_range(1..5),
                    self.rng.gen_range(0..1_000_000)
                ),
                1 => write!(
                    proof,
                    "https://preuves.data-horizon.example.fr/{}/{:08x}",
                    code.to_lowercase(),
                    self.rng.gen::<u32>()
                ),
                _ => write!(
                    proof,
                    "LOG-{}-{:08}",
                    collected.year(),
                    self.rng.gen_range(0..100_000_000)
                ),
            };
        } else if any_yes {
            meta.tag("no_proof");
        }
    }

    /// A duplicate of the earlier base row `orig`. Returns false when the
    /// wanted kind does not fit `orig` (then the caller writes a base row).
    pub(super) fn gen_duplicate(
        &mut self,
        orig: &Row,
        om: &Meta,
        row: &mut Row,
        meta: &mut Meta,
    ) -> bool {
        let fuzzy = self.chance(0.12);
        let kind = if fuzzy {
            if orig[col::ADDRESS].is_empty() || orig[col::POSTCODE].is_empty() {
                return false;
            }
            "fuzzy"
        } else {
            match self.rng.gen_range(0..100) {
                0..=29 => "exact",
                30..=64 if !om.email_key.is_empty() => "email",
                _ if om.mob.is_some() || om.tel.is_some() => "phone",
                _ if !om.email_key.is_empty() => "email",
                _ => "exact",
            }
        };
        copy_row(row, orig);
        meta.clone_from(om);
        meta.is_dup = true;
        meta.tags.clear();
        meta.tag(if om.b2b {
            "audience=b2b"
        } else {
            "audience=b2c"
        });
        self.scratch.clear();
        let _ = write!(self.scratch, "duplicate_of={}", om.source_row);
        meta.tag(&std::mem::take(&mut self.scratch));
        self.scratch.clear();
        let _ = write!(self.scratch, "dup={kind}");
        meta.tag(&std::mem::take(&mut self.scratch));
        for t in om.tags.split(';') {
            if matches!(
                t,
                "overseas" | "foreign" | "role_email" | "webmail_on_b2b" | "siret_invalid"
            ) {
                meta.tag(t);
            }
        }
        if kind == "exact" {
            for t in om.tags.split(';') {
                if t != "audience=b2b" && t != "audience=b2c" && !meta.has_tag(t) {
                    meta.tag(t);
                }
            }
            return true;
        }
        // Another collection: new date and source, names sometimes rewritten.
        let date_style = pick_date_style(&mut self.rng);
        let collected = random_date(&mut self.rng, ymd(2023, 12, 1), collected_last());
        write_date(&mut row[col::COLLECTED], collected, date_style);
        meta.collected = Some(collected);
        row[col::LAST_CONTACT].clear();
        meta.last_contact = None;
        let (source, _) = *SOURCES.choose(&mut self.rng).expect("non-empty");
        row[col::SOURCE].clear();
        row[col::SOURCE].push_str(source);
        if self.chance(0.4) || kind == "fuzzy" {
            for c in [col::FIRST, col::LAST] {
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                strip_accents_into(&mut s, &row[c]);
                std::mem::swap(&mut row[c], &mut s);
                self.scratch = s;
            }
        }
        // Consents of the new collection: dated on it, or cleared.
        for (c, c_at) in [
            (col::C_EMAIL, col::C_EMAIL_AT),
            (col::C_SMS, col::C_SMS_AT),
            (col::C_PHONE, col::C_PHONE_AT),
        ] {
            row[c_at].clear();
            if !row[c].is_empty() && YES.contains(&row[c].as_str()) {
                let d = random_date(&mut self.rng, collected, ymd(2026, 11, 22));
                write_date(&mut row[c_at], d, date_style);
            } else if !row[c].is_empty() && !NO.contains(&row[c].as_str()) {
                row[c].clear();
            }
        }
        let style = pick_num_style(&mut self.rng);
        match kind {
            "email" => {
                let mut e = std::mem::take(&mut row[col::EMAIL]);
                e.clear();
                if self.chance(0.5) {
                    e.push_str(&om.email_key.to_uppercase());
                } else {
                    capitalise_email(&om.email_key, &mut e);
                }
                row[col::EMAIL] = e;
                if self.chance(0.5) {
                    row[col::ADDRESS].clear();
                }
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                if om.tel.is_some() {
                    write_num(&mut row[col::PHONE], &om.tel, style);
                }
                if om.mob.is_some() {
                    write_num(&mut row[col::MOBILE], &om.mob, style);
                }
            }
            "phone" => {
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                if om.mob.is_some() {
                    write_num(&mut row[col::MOBILE], &om.mob, (style + 4) % 8);
                }
                if om.tel.is_some() {
                    write_num(&mut row[col::PHONE], &om.tel, (style + 4) % 8);
                }
                self.new_email_for_dup(row, meta);
            }
            _ => {
                // fuzzy: same name and address, no shared key.
                let region = Metro(1);
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                let mut n = Num::default();
                self.fresh_num(region, NumKind::Mobile, &mut n);
                write_num(&mut row[col::MOBILE], &n, style);
                meta.mob = n;
                meta.tel.clear();
                self.new_email_for_dup(row, meta);
            }
        }
        if self.chance(0.3) {
            row[col::C_EMAIL].clear();
            row[col::C_EMAIL].push_str("non");
            row[col::C_EMAIL_AT].clear();
            meta.tag("consent_no_on_duplicate");
        }
        true
    }

    /// The duplicate of a phone/fuzzy kind gets no email, or another address
    /// of the same person that nobody else uses.
    fn new_email_for_dup(&mut self, row: &mut Row, meta: &mut Meta) {
        row[col::EMAIL].clear();
        meta.email_key.clear();
        if self.chance(0.5) {
            let mut tmp = std::mem::take(&mut self.person);
            tmp.first.clone_from(&row[col::FIRST]);
            tmp.last.clone_from(&row[col::LAST]);
            let d = self.webmail();
            self.fresh_email(&mut tmp, d, false);
            row[col::EMAIL].push_str(&tmp.email);
            meta.email_key.clone_from(&tmp.email_key);
            self.person = tmp;
        }
    }
}

fn corrupt_email(rng: &mut ChaCha8Rng, email: &str, out: &mut String) {
    out.clear();
    let (local, domain) = email.split_once('@').unwrap_or((email, "gmail.com"));
    match rng.gen_range(0..6) {
        0 => {
            out.push_str(local);
            out.push_str(domain);
        }
        1 => {
            out.push_str(local);
            out.push_str("@@");
            out.push_str(domain);
        }
        2 => {
            out.push_str(&local.replacen(['.', '_', '-'], " ", 1));
            if !out.contains(' ') {
                out.push(' ');
            }
            out.push('@');
            out.push_str(domain);
        }
        3 => {
            out.push_str(local);
            out.push('@');
            out.push_str(&domain.replacen('.', ",", 1));
        }
        4 => {
            out.push_str(local);
            out.push('@');
        }
        _ => {
            out.push('@');
            out.push_str(domain);
        }
    }
}

pub(super) fn capitalise_email(email: &str, out: &mut String) {
    out.clear();
    let mut up = true;
    for c in email.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = matches!(c, '.' | '@' | '-' | '_');
    }
}

/// Makes a written number invalid: too short, too long, no trunk zero, or zeros.
fn corrupt_phone(rng: &mut ChaCha8Rng, cell: &mut String) {
    let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0033") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("33").filter(|_| cell.starts_with('+')) {
        format!("0{}", rest.trim_start_matches('0'))
    } else {
        digits
    };
    cell.clear();
    match rng.gen_range(0..4) {
        0 => {
            let keep = national.len().saturating_sub(rng.gen_range(1..4)).max(2);
            pairs(cell, &national[..keep]);
        }
        1 => {
            let mut s = national.clone();
            push_digits(rng, &mut s, 1);
            pairs(cell, &s);
        }
        2 => pairs(cell, national.get(2..).unwrap_or("12345678")),
        _ => cell.push_str("00 00 00 00 00"),
    }
}
