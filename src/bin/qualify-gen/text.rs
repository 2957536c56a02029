//! Small helpers on cell text and dates: the FNV-1a hash of the "already
//! used" sets, Luhn check digits (SIREN, SIRET), the ASCII folding of names
//! in email addresses, accent stripping, random dates and the ways vendors
//! write a date.
//!
//! In: text, dates, and the caller's RNG for the random draws. Out: hashes,
//! dates, and text appended to (or written over) the caller's buffer, so that
//! `scale` reuses its buffers instead of allocating per cell.

use std::fmt::Write as _;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a, for the "already used" sets (stable across Rust versions).
pub(super) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn luhn_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum()
}

/// Appends the Luhn check digit that makes `s` valid.
pub(super) fn push_luhn_digit(s: &mut String) {
    s.push('0');
    let sum = luhn_sum(s.as_bytes());
    let check = (10 - sum % 10) % 10;
    s.pop();
    s.push(char::from(b'0' + check as u8));
}

/// Lowercase ASCII fold of a name for email local parts and domains:
/// accents removed, `œ` -> `oe`, spaces and apostrophes dropped (or turned into
/// `sep` when it is not NUL).
pub(super) fn fold_into(out: &mut String, s: &str, sep: Option<char>) {
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' => out.push('i'),
            'ô' | 'ö' => out.push('o'),
            'ù' | 'û' | 'ü' => out.push('u'),
            'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            ' ' | '\'' => {
                if let Some(sep) = sep {
                    out.push(sep)
                }
            }
            c if c.is_ascii_alphanumeric() || c == '-' => out.push(c),
            _ => {}
        }
    }
}

/// Accents removed but case and spaces kept ("Hélène" -> "Helene"), as a
/// vendor with an ASCII-only system would write it.
pub(super) fn strip_accents_into(out: &mut String, s: &str) {
    for c in s.chars() {
        let lower = c.is_lowercase();
        let base = match c.to_lowercase().next().unwrap_or(c) {
            'à' | 'â' | 'ä' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' => "i",
            'ô' | 'ö' => "o",
            'ù' | 'û' | 'ü' => "u",
            'œ' => "oe",
            _ => {
                out.push(c);
                continue;
            }
        };
        if lower {
            out.push_str(base);
        } else {
            out.push_str(&base.to_uppercase());
        }
    }
}

pub(super) fn random_date(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=span))
}

/// How a date cell is written.
#[derive(Clone, Copy)]
pub(super) enum DateStyle {
    French,
    Iso,
    IsoDateTime,
}

pub(super) fn pick_date_style(rng: &mut ChaCha8Rng) -> DateStyle {
    match rng.gen_range(0..100) {
        0..=79 => DateStyle::French,
        80..=95 => DateStyle::Iso,
        _ => DateStyle::IsoDateTime,
    }
}

pub(super) fn write_date(out: &mut String, d: NaiveDate, style: DateStyle) {
    out.clear();
    let _ = match style {
        DateStyle::French => write!(out, "{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
        DateStyle::Iso => write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        DateStyle::IsoDateTime => write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:00Z",
            d.year(),
            d.month(),
            d.day(),
            8 + d.day() % 12,
            (d.month() * 7) % 60
        ),
    };
}

pub(super) fn write_iso(out: &mut String, d: NaiveDate) {
    write_date(out, d, DateStyle::Iso)
}
