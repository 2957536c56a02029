//! clients.csv: the client records of list persons (the same person written
//! by another system: other formats, sometimes another email) and of new
//! invented persons, with relationship dates, contracts and objections.
//!
//! In: a list person and its [`Meta`], at a client id chosen by the
//! generator. Out: the [`ClientRow`] and the `client_*` tags of the person;
//! then clients.csv, every id in order.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use chrono::Duration;
use rand::Rng;

use super::columns::{col, copy_row, empty_row, ClientRow, Row, CLIENT_HEADERS};
use super::formats::{create, push_csv_record};
use super::generator::Gen;
use super::people::Person;
use super::phone::{pick_num_style, write_num};
use super::prospect::{capitalise_email, Meta};
use super::text::{random_date, strip_accents_into, write_iso};
use super::ymd;

impl Gen {
    pub(super) fn client_from_prospect(
        &mut self,
        p: &Person,
        row: &Row,
        meta: &mut Meta,
        id: u32,
    ) -> ClientRow {
        let mut c: ClientRow = empty_row();
        let _ = write!(c[0], "CL{id:07}");
        if self.chance(0.3) {
            strip_accents_into(&mut c[1], &p.first);
            strip_accents_into(&mut c[2], &p.last);
        } else {
            c[1].push_str(&p.first);
            c[2].push_str(&p.last);
        }
        let can_email = !meta.email_key.is_empty();
        let can_phone = meta.mob.is_some() || meta.tel.is_some();
        let how = match (can_email, can_phone) {
            (true, true) => ["email", "email", "phone", "both"][self.rng.gen_range(0..4)],
            (true, false) => "email",
            _ => "phone",
        };
        meta.entity_tag("client_overlap");
        self.scratch.clear();
        let _ = write!(self.scratch, "client_match={how}");
        meta.entity_tag(&std::mem::take(&mut self.scratch));
        if how != "phone" {
            if self.chance(0.3) {
                capitalise_email(&meta.email_key, &mut c[3]);
            } else {
                c[3].push_str(&meta.email_key);
            }
        } else if self.chance(0.5) {
            // An older address of the same person, known only to the client file.
            let mut tmp = std::mem::take(&mut self.person);
            tmp.first.clone_from(&p.first);
            tmp.last.clone_from(&p.last);
            let d = self.webmail();
            self.fresh_email(&mut tmp, d, false);
            c[3].push_str(&tmp.email);
            self.person = tmp;
        }
        if how != "email" {
            let style = pick_num_style(&mut self.rng);
            if meta.tel.is_some() {
                write_num(&mut c[4], &meta.tel, (style + 3) % 8);
            }
            if meta.mob.is_some() {
                write_num(&mut c[5], &meta.mob, (style + 3) % 8);
            }
        }
        c[6].push_str(&p.address);
        c[7].push_str(&p.postcode);
        c[8].push_str(&p.city);
        c[9].push_str(if p.foreign { "BE" } else { "FR" });
        c[10].push_str(&row[col::COMPANY]);
        c[11].push_str(&row[col::SIRET]);
        let status = self.client_status(&mut c);
        if !status.is_empty() {
            meta.entity_tag(status);
        }
        for (i, ch) in ["email", "sms", "phone", "post"].iter().enumerate() {
            if c[15 + i] == "yes" {
                self.scratch.clear();
                let _ = write!(self.scratch, "client_opposed={ch}");
                meta.entity_tag(&std::mem::take(&mut self.scratch));
            }
        }
        c
    }

    /// Relationship dates, contract and objections of a client row; returns
    /// the planted status tag.
    fn client_status(&mut self, c: &mut ClientRow) -> &'static str {
        for f in c[12..].iter_mut() {
            f.clear();
        }
        let r = self.rng.gen_range(0..100);
        let status = if r < 8 {
            let end = random_date(&mut self.rng, ymd(2019, 1, 1), ymd(2023, 10, 31));
            write_iso(&mut c[12], end);
            let purchase = end - Duration::days(self.rng.gen_range(0..700));
            write_iso(&mut c[13], purchase);
            c[14].push_str("no");
            "client_ended_old"
        } else if r < 16 {
            let end = random_date(&mut self.rng, ymd(2024, 1, 1), ymd(2026, 10, 31));
            write_iso(&mut c[12], end);
            let purchase = end - Duration::days(self.rng.gen_range(0..500));
            write_iso(&mut c[13], purchase);
            c[14].push_str("no");
            "client_ended_recent"
        } else {
            if self.chance(0.9) {
                let purchase = random_date(&mut self.rng, ymd(2021, 1, 1), ymd(2026, 11, 20));
                write_iso(&mut c[13], purchase);
            }
            c[14].push_str(if self.chance(0.4) { "yes" } else { "no" });
            ""
        };
        for objection in c[15..].iter_mut() {
            if self.chance(0.05) {
                objection.push_str("yes");
            }
        }
        status
    }

    /// Writes clients.csv: the overlapping clients at their ids, new
    /// invented persons at the others.
    pub(super) fn write_clients(&mut self, path: &Path) -> Result<()> {
        let m = self.plan.clients;
        let mut by_id: Vec<Option<usize>> = vec![None; m + 1];
        for (i, (id, _)) in self.overlap_clients.iter().enumerate() {
            by_id[*id as usize] = Some(i);
        }
        let mut w = create(path)?;
        let mut line = String::with_capacity(512);
        push_csv_record(&mut line, &CLIENT_HEADERS, ',', "\n");
        let mut c: ClientRow = empty_row();
        let mut p = Person::default();
        for (id, slot) in by_id.iter().enumerate().skip(1) {
            if let Some(i) = slot {
                copy_row(&mut c, &self.overlap_clients[*i].1);
            } else {
                self.gen_person(&mut p);
                self.next_entity += 1;
                for f in c.iter_mut() {
                    f.clear();
                }
                let _ = write!(c[0], "CL{id:07}");
                c[1].push_str(&p.first);
                c[2].push_str(&p.last);
                c[3].push_str(&p.email);
                if p.tel.is_some() {
                    write_num(&mut c[4], &p.tel, 0);
                }
                if p.mob.is_some() {
                    write_num(&mut c[5], &p.mob, 0);
                }
                c[6].push_str(&p.address);
                c[7].push_str(&p.postcode);
                c[8].push_str(&p.city);
                c[9].push_str(if p.foreign { "BE" } else { "FR" });
                c[10].push_str(&p.company);
                c[11].push_str(&p.siret);
                self.client_status(&mut c);
            }
            push_csv_record(&mut line, &c, ',', "\n");
            if line.len() > 1 << 16 {
                w.write_all(line.as_bytes())?;
                line.clear();
            }
        }
        w.write_all(line.as_bytes())?;
        w.flush()?;
        Ok(())
    }
}
