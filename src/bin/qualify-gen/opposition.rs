//! opposition.csv: entries naming a list person's email or phone number,
//! hashed (SHA-256, MD5) or plain, for one channel or all, plus entries that
//! match nobody.
//!
//! In: a list row's [`Meta`] (its real keys). Out: the `opposed_*` tags of
//! the person; then opposition.csv, shuffled.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use md5::Md5;
use rand::seq::SliceRandom;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::formats::{create, push_csv_record};
use super::generator::Gen;
use super::phone::{pick_num_style, random_nsn, write_num, Num, NumKind};
use super::prospect::{capitalise_email, Meta};
use super::text::{fnv, random_date, write_iso};
use super::vocab::Region::Metro;
use super::ymd;

/// How a planted opposition entry is written.
pub(super) struct OppEntry {
    email: String,
    phone: String,
    sha256: String,
    md5: String,
    channel: &'static str,
    date: String,
}

impl Gen {
    pub(super) fn plant_opposition(&mut self, meta: &mut Meta) {
        let use_email = !meta.email_key.is_empty()
            && (self.chance(0.6) || !(meta.mob.is_some() || meta.tel.is_some()));
        let mut key = String::new();
        if use_email {
            key.clone_from(&meta.email_key);
        } else if meta.mob.is_some() {
            meta.mob.e164_into(&mut key);
        } else {
            meta.tel.e164_into(&mut key);
        }
        let channel = ["all", "all", "all", "email", "email", "sms", "phone", ""]
            .choose(&mut self.rng)
            .copied()
            .expect("non-empty");
        let mut e = OppEntry {
            email: String::new(),
            phone: String::new(),
            sha256: String::new(),
            md5: String::new(),
            channel,
            date: String::new(),
        };
        if self.chance(0.8) {
            let d = random_date(&mut self.rng, ymd(2024, 1, 1), ymd(2026, 11, 20));
            write_iso(&mut e.date, d);
        }
        let r = self.rng.gen_range(0..100);
        let how = if r < 45 {
            e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
            "opposed_hash"
        } else if r < 75 {
            e.md5 = hex::encode(Md5::digest(key.as_bytes()));
            "opposed_hash"
        } else if use_email {
            if self.chance(0.5) {
                capitalise_email(&key, &mut e.email);
            } else {
                e.email.push_str(&key);
            }
            "opposed_plain"
        } else {
            let n = if meta.mob.is_some() {
                &meta.mob
            } else {
                &meta.tel
            };
            let style = pick_num_style(&mut self.rng);
            write_num(&mut e.phone, n, style);
            "opposed_plain"
        };
        let ch = if channel.is_empty() { "all" } else { channel };
        self.scratch.clear();
        let _ = write!(self.scratch, "{how}={ch}");
        meta.entity_tag(&std::mem::take(&mut self.scratch));
        self.opposition.push(e);
    }

    /// Writes opposition.csv: the planted entries plus entries that hit nobody.
    pub(super) fn write_opposition(&mut self, path: &Path) -> Result<usize> {
        let mut entries = std::mem::take(&mut self.opposition);
        let mut key = String::new();
        for i in 0..self.plan.opposition_misses {
            let mut e = OppEntry {
                email: String::new(),
                phone: String::new(),
                sha256: String::new(),
                md5: String::new(),
                channel: ["all", "email", "sms", "phone", ""][i % 5],
                date: String::new(),
            };
            key.clear();
            match i % 4 {
                0 | 1 => {
                    // A hash of an address nobody in the data has.
                    loop {
                        key.clear();
                        let _ = write!(
                            key,
                            "ancien.abonne{}@{}",
                            self.rng.gen_range(0..10_000_000),
                            self.webmail()
                        );
                        if !self.used_emails.contains(&fnv(key.as_bytes())) {
                            break;
                        }
                    }
                    if i % 4 == 0 {
                        e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
                    } else {
                        e.md5 = hex::encode(Md5::digest(key.as_bytes()));
                    }
                }
                2 => loop {
                    key.clear();
                    let _ = write!(
                        key,
                        "ex.client{}@{}",
                        self.rng.gen_range(0..10_000_000),
                        self.webmail()
                    );
                    if !self.used_emails.contains(&fnv(key.as_bytes())) {
                        e.email.clone_from(&key);
                        break;
                    }
                },
                _ => {
                    let mut n = Num::default();
                    loop {
                        random_nsn(&mut self.rng, Metro(1), NumKind::Mobile, &mut n);
                        if !self.used_phones.contains(&n.key()) {
                            break;
                        }
                    }
                    if i % 8 == 3 {
                        n.e164_into(&mut key);
                        e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
                    } else {
                        write_num(&mut e.phone, &n, 0);
                    }
                }
            }
            entries.push(e);
        }
        entries.shuffle(&mut self.rng);
        let mut w = create(path)?;
        let mut line = String::with_capacity(256);
        push_csv_record(
            &mut line,
            &["email", "phone", "sha256", "md5", "channel", "date"],
            ',',
            "\n",
        );
        for e in &entries {
            push_csv_record(
                &mut line,
                &[
                    &e.email,
                    &e.phone,
                    &e.sha256,
                    &e.md5,
                    &e.channel.to_string(),
                    &e.date,
                ],
                ',',
                "\n",
            );
        }
        w.write_all(line.as_bytes())?;
        w.flush()?;
        Ok(entries.len())
    }
}
