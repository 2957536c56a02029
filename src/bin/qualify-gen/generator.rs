//! The generator of `sample` and `scale`: [`Gen`] holds the one seeded RNG,
//! the "already used" emails and phone numbers, and what was planted so far;
//! [`Gen::generate`] makes the list rows in order.
//!
//! In: a seed and a [`Plan`]. Out: each list row with its [`Meta`], given to
//! the caller's sink; then clients.csv and opposition.csv (written by
//! `clients` and `opposition`). The methods of `Gen` are split by what they
//! make: a person (`people`), a list row or a duplicate (`prospect`), a
//! client (`clients`), an opposition entry (`opposition`). They all draw from
//! the same RNG, so the output depends on the order of the calls, which only
//! [`Gen::generate`] decides.

use std::collections::HashSet;

use anyhow::Result;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::columns::{copy_row, empty_row, ClientRow, Row};
use super::opposition::OppEntry;
use super::people::Person;
use super::prospect::Meta;

/// Rates that differ between `sample` and `scale`.
pub(super) struct Plan {
    pub(super) rows: usize,
    pub(super) clients: usize,
    pub(super) client_overlap_target: usize,
    pub(super) client_overlap_p: f64,
    pub(super) opposition_p: f64,
    pub(super) opposition_misses: usize,
}

pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) seed: u64,
    pub(super) used_emails: HashSet<u64>,
    pub(super) used_phones: HashSet<u64>,
    pub(super) next_entity: u64,
    pub(super) n_companies: u64,
    pub(super) plan: Plan,
    /// Client rows of list persons, by position in the client id permutation.
    pub(super) overlap_clients: Vec<(u32, ClientRow)>,
    pub(super) opposition: Vec<OppEntry>,
    /// Source rows that have a duplicate later in the list.
    pub(super) dup_targets: HashSet<u64>,
    pub(super) scratch: String,
    pub(super) person: Person,
}

const HISTORY: usize = 4096;

impl Gen {
    pub(super) fn new(seed: u64, plan: Plan) -> Self {
        let n_companies = ((plan.rows as f64 * 0.4 / 1.6) as u64).max(40);
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            used_emails: HashSet::with_capacity(plan.rows + plan.clients),
            used_phones: HashSet::with_capacity(2 * (plan.rows + plan.clients)),
            next_entity: 1,
            n_companies,
            plan,
            overlap_clients: Vec::new(),
            opposition: Vec::new(),
            dup_targets: HashSet::new(),
            scratch: String::new(),
            person: Person::default(),
        }
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// Maybe makes the person of a base row a client and/or opposed.
    fn plant_links(&mut self, p: &Person, row: &Row, meta: &mut Meta) {
        let has_key = !meta.email_key.is_empty() || meta.mob.is_some() || meta.tel.is_some();
        if !has_key {
            return;
        }
        if self.overlap_clients.len() < self.plan.client_overlap_target
            && self.chance(self.plan.client_overlap_p)
        {
            let k = self.overlap_clients.len() as u64;
            let m = self.plan.clients as u64;
            let id = (affine_multiplier(m).wrapping_mul(k) + self.seed % m) % m + 1;
            let id = id as u32;
            meta.client = Some(id);
            let crow = self.client_from_prospect(p, row, meta, id);
            self.overlap_clients.push((id, crow));
        }
        if self.chance(self.plan.opposition_p) {
            self.plant_opposition(meta);
        }
    }

    /// Writes `rows` list rows; `sink` receives each one in order.
    pub(super) fn generate(
        &mut self,
        mut sink: impl FnMut(&Row, &Meta) -> Result<()>,
    ) -> Result<()> {
        let mut history: Vec<(Row, Meta)> = Vec::with_capacity(HISTORY.min(self.plan.rows));
        let mut next_slot = 0usize;
        let mut row: Row = empty_row();
        let mut meta = Meta::default();
        let mut person = Person::default();
        for i in 0..self.plan.rows {
            let source_row = i as u64 + 1;
            let mut done = false;
            if history.len() >= 20 && self.chance(0.085) {
                let h = self.rng.gen_range(0..history.len());
                let (orig, om) = &history[h];
                if self.gen_duplicate(orig, om, &mut row, &mut meta) {
                    self.dup_targets.insert(om.source_row);
                    done = true;
                }
            }
            if !done {
                self.gen_person(&mut person);
                meta.entity = self.next_entity;
                self.next_entity += 1;
                self.gen_prospect(&person, &mut row, &mut meta);
                meta.source_row = source_row;
                self.plant_links(&person, &row, &mut meta);
                if history.len() < HISTORY {
                    history.push((row.clone(), meta.clone()));
                } else {
                    let slot = &mut history[next_slot];
                    copy_row(&mut slot.0, &row);
                    slot.1.clone_from(&meta);
                    next_slot = (next_slot + 1) % HISTORY;
                }
            }
            meta.source_row = source_row;
            sink(&row, &meta)?;
        }
        Ok(())
    }
}

/// A multiplier coprime with `m`, so that `k -> a*k + b mod m` is a permutation.
fn affine_multiplier(m: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let mut a = (m as f64 * 0.618_033_988_7) as u64 | 1;
    while gcd(a, m) != 1 {
        a += 1;
    }
    a.max(1)
}
