//! Invented persons: name, address, company (name, email domain, SIREN and
//! SIRET), email and phone numbers, each email and number unique in the run.
//!
//! In: the generator's RNG and its "already used" sets. Out: a [`Person`],
//! which `prospect` writes as a list row and `clients` as a client row.

use std::fmt::Write as _;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::generator::Gen;
use super::phone::{random_nsn, Num, NumKind};
use super::text::{fnv, fold_into, push_luhn_digit};
use super::vocab::Region::{self, *};
use super::vocab::{
    FIRST_F, FIRST_M, FOREIGN_TOWNS, INVENTED, JOBS, LAST, LEGAL, METRO_TOWNS, OVERSEAS_TOWNS,
    ROLES, STREETS, TRADES, WEBMAIL,
};

/// One invented person, before it is written as a list row or a client row.
#[derive(Clone, Default)]
pub(super) struct Person {
    female: bool,
    pub(super) b2b: bool,
    pub(super) overseas: bool,
    pub(super) foreign: bool,
    pub(super) civility: String,
    pub(super) first: String,
    pub(super) last: String,
    pub(super) company: String,
    domain: String,
    pub(super) siret: String,
    pub(super) siret_invalid: bool,
    pub(super) job: String,
    pub(super) email: String,
    /// Normalised email (trimmed, lowercase) when it is valid; else empty.
    pub(super) email_key: String,
    pub(super) role_email: bool,
    pub(super) webmail_on_b2b: bool,
    pub(super) tel: Num,
    pub(super) mob: Num,
    pub(super) fax: Num,
    pub(super) address: String,
    pub(super) postcode: String,
    pub(super) city: String,
    pub(super) country: String,
    pub(super) region: Option<Region>,
}

impl Gen {
    /// The company with index `k`: its name, email domain and SIREN are
    /// functions of `k`, so employees of one company agree.
    fn company(&self, k: u64, p: &mut Person, siren: &mut String) {
        let mut local = ChaCha8Rng::seed_from_u64(
            self.seed ^ (k.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let t = (k % TRADES.len() as u64) as usize;
        let i = ((k / TRADES.len() as u64) % INVENTED.len() as u64) as usize;
        let n = k / (TRADES.len() * INVENTED.len()) as u64;
        p.company.clear();
        p.company.push_str(TRADES[t]);
        p.company.push(' ');
        p.company.push_str(INVENTED[i]);
        if n > 0 {
            let _ = write!(p.company, " {}", n + 1);
        }
        p.company.push(' ');
        p.company
            .push_str(LEGAL.choose(&mut local).expect("non-empty"));
        p.domain.clear();
        fold_into(&mut p.domain, TRADES[t], Some('-'));
        p.domain.push('-');
        fold_into(&mut p.domain, INVENTED[i], Some('-'));
        if n > 0 {
            let _ = write!(p.domain, "{}", n + 1);
        }
        p.domain
            .push_str(if local.gen_bool(0.75) { ".fr" } else { ".com" });
        // A bijection of k onto 8 digits, then the Luhn digit.
        siren.clear();
        let payload = (k
            .wrapping_mul(7_654_321)
            .wrapping_add(31_415_926 + self.seed))
            % 100_000_000;
        let payload = if payload == 35_600_000 {
            35_600_001
        } else {
            payload
        };
        let _ = write!(siren, "{payload:08}");
        push_luhn_digit(siren);
    }

    pub(super) fn fresh_num(&mut self, region: Region, kind: NumKind, out: &mut Num) {
        loop {
            random_nsn(&mut self.rng, region, kind, out);
            if self.used_phones.insert(out.key()) {
                return;
            }
        }
    }

    /// Fills `p.email` with an address at `domain` not used by anyone else.
    pub(super) fn fresh_email(&mut self, p: &mut Person, domain: &str, corporate: bool) {
        let mut local = std::mem::take(&mut self.scratch);
        for attempt in 0..40 {
            local.clear();
            let pattern = if corporate {
                match self.rng.gen_range(0..10) {
                    0..=6 => 0,
                    _ => 2,
                }
            } else {
                self.rng.gen_range(0..7)
            };
            match pattern {
                0 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                }
                1 => {
                    fold_into(&mut local, &p.first, None);
                    fold_into(&mut local, &p.last, None);
                }
                2 => {
                    fold_into(&mut local, &p.first, None);
                    local.truncate(1);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                }
                3 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                    let _ = write!(local, "{}", self.rng.gen_range(1..100));
                }
                4 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('_');
                    fold_into(&mut local, &p.last, None);
                    let _ = write!(local, "{}", self.rng.gen_range(1950..2005));
                }
                5 => {
                    fold_into(&mut local, &p.last, None);
                    local.push('.');
                    fold_into(&mut local, &p.first, None);
                }
                _ => {
                    fold_into(&mut local, &p.first, None);
                    local.push('-');
                    fold_into(&mut local, &p.last, None);
                }
            }
            if attempt >= 3 {
                let max = if attempt < 20 { 1000 } else { 1_000_000 };
                let _ = write!(local, "{}", self.rng.gen_range(2..max));
            }
            local.push('@');
            local.push_str(domain);
            if self.used_emails.insert(fnv(local.as_bytes())) {
                break;
            }
            if attempt == 39 {
                // Practically unreachable; the entity number makes it unique.
                let _ = write!(local, ".{}", self.next_entity);
                self.used_emails.insert(fnv(local.as_bytes()));
            }
        }
        p.email.clone_from(&local);
        p.email_key.clone_from(&local);
        self.scratch = local;
    }

    pub(super) fn webmail(&mut self) -> &'static str {
        let total: u32 = WEBMAIL.iter().map(|w| w.1).sum();
        let mut r = self.rng.gen_range(0..total);
        for (d, w) in WEBMAIL {
            if r < *w {
                return d;
            }
            r -= w;
        }
        WEBMAIL[0].0
    }

    /// A new invented person with unique email and numbers.
    pub(super) fn gen_person(&mut self, p: &mut Person) {
        let r = self.rng.gen_range(0..1000);
        let t = if r < 20 {
            p.overseas = true;
            p.foreign = false;
            OVERSEAS_TOWNS.choose(&mut self.rng)
        } else if r < 25 {
            p.overseas = false;
            p.foreign = true;
            FOREIGN_TOWNS.choose(&mut self.rng)
        } else {
            p.overseas = false;
            p.foreign = false;
            METRO_TOWNS.choose(&mut self.rng)
        }
        .expect("non-empty");
        p.region = Some(t.region);
        p.female = self.rng.gen_bool(0.5);
        p.b2b = self.rng.gen_bool(0.4);
        p.civility.clear();
        let civ = if p.female {
            ["Mme", "Mme", "Mme", "Madame", "Mlle", "", ""]
        } else {
            ["M.", "M.", "M.", "Monsieur", "Mr", "", ""]
        };
        p.civility
            .push_str(civ.choose(&mut self.rng).expect("non-empty"));
        p.first.clear();
        let firsts = if p.female { FIRST_F } else { FIRST_M };
        p.first
            .push_str(firsts.choose(&mut self.rng).expect("non-empty"));
        p.last.clear();
        p.last
            .push_str(LAST.choose(&mut self.rng).expect("non-empty"));

        p.address.clear();
        let _ = write!(p.address, "{}", self.rng.gen_range(1..=180));
        if self.chance(0.06) {
            p.address
                .push_str(if self.chance(0.7) { " bis" } else { " ter" });
        }
        p.address.push(' ');
        p.address
            .push_str(STREETS.choose(&mut self.rng).expect("non-empty"));
        p.postcode.clear();
        p.postcode.push_str(t.postcode);
        p.city.clear();
        p.city.push_str(t.name);
        p.country.clear();
        let country = match t.region {
            Metro(_) => [
                "France", "France", "France", "France", "France", "France", "FR", "", "", "FRANCE",
            ]
            .choose(&mut self.rng),
            Guadeloupe => ["Guadeloupe", "France", ""].choose(&mut self.rng),
            Guyane => ["Guyane", "France", ""].choose(&mut self.rng),
            Reunion => ["La Réunion", "France", ""].choose(&mut self.rng),
            Belgium => ["Belgique", "BE"].choose(&mut self.rng),
        };
        p.country.push_str(country.expect("non-empty"));

        p.company.clear();
        p.domain.clear();
        p.siret.clear();
        p.siret_invalid = false;
        p.job.clear();
        if p.b2b {
            let k = self.rng.gen_range(0..self.n_companies);
            let mut siren = std::mem::take(&mut self.scratch);
            self.company(k, p, &mut siren);
            if !p.foreign && self.chance(0.85) {
                let mut siret = siren.clone();
                let _ = write!(siret, "{:04}", 1 + (self.rng.gen_range(0..3u32)) * 7);
                push_luhn_digit(&mut siret);
                if self.chance(0.04) {
                    // One changed digit: Luhn always catches it.
                    let last = siret.pop().expect("14 digits");
                    let d = (last as u8 - b'0' + 1 + self.rng.gen_range(0..8u8)) % 10;
                    siret.push(char::from(b'0' + d));
                    p.siret_invalid = true;
                }
                if self.chance(0.2) {
                    let _ = write!(
                        p.siret,
                        "{} {} {} {}",
                        &siret[0..3],
                        &siret[3..6],
                        &siret[6..9],
                        &siret[9..]
                    );
                } else {
                    p.siret.push_str(&siret);
                }
            }
            self.scratch = siren;
            if self.chance(0.9) {
                let mut job = JOBS.choose(&mut self.rng).expect("non-empty").to_string();
                std::mem::swap(&mut p.job, &mut job);
            }
        }

        // Email.
        p.email.clear();
        p.email_key.clear();
        p.role_email = false;
        p.webmail_on_b2b = false;
        if self.chance(0.95) {
            if p.b2b && !p.domain.is_empty() {
                let r = self.rng.gen_range(0..100);
                if r < 12 {
                    let mut email = std::mem::take(&mut self.scratch);
                    email.clear();
                    email.push_str(ROLES.choose(&mut self.rng).expect("non-empty"));
                    email.push('@');
                    email.push_str(&p.domain);
                    if self.used_emails.insert(fnv(email.as_bytes())) {
                        p.email.clone_from(&email);
                        p.email_key.clone_from(&email);
                        p.role_email = true;
                    }
                    self.scratch = email;
                }
                if p.email.is_empty() {
                    if r >= 85 {
                        let d = self.webmail();
                        self.fresh_email(p, d, false);
                        p.webmail_on_b2b = true;
                    } else {
                        let domain = std::mem::take(&mut p.domain);
                        self.fresh_email(p, &domain, true);
                        p.domain = domain;
                    }
                }
            } else {
                let d = self.webmail();
                self.fresh_email(p, d, false);
            }
        }

        // Numbers.
        let region = t.region;
        p.tel.clear();
        p.mob.clear();
        p.fax.clear();
        let (p_mob, p_tel) = if p.b2b { (0.55, 0.85) } else { (0.85, 0.3) };
        if self.chance(p_mob) {
            let mut n = std::mem::take(&mut p.mob);
            self.fresh_num(region, NumKind::Mobile, &mut n);
            p.mob = n;
        }
        if self.chance(p_tel) {
            let kind = if matches!(region, Metro(_)) && self.chance(0.15) {
                NumKind::Voip
            } else {
                NumKind::Landline
            };
            let mut n = std::mem::take(&mut p.tel);
            self.fresh_num(region, kind, &mut n);
            p.tel = n;
        }
        if p.b2b && self.chance(0.1) {
            let mut n = std::mem::take(&mut p.fax);
            self.fresh_num(region, NumKind::Landline, &mut n);
            p.fax = n;
        }
    }
}
