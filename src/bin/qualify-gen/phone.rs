//! Phone numbers: [`Num`] (country calling code and national number), random
//! numbers of a [`NumKind`] valid for a [`Region`], and the formats French
//! vendors write them in.
//!
//! In: a region, a kind and the caller's RNG. Out: a [`Num`], and its text in
//! a cell ([`write_num`], [`pairs`]). The numbers follow libphonenumber's
//! metadata, which `qualify` checks them against (through the `phonenumber`
//! crate), so that a number meant to be valid is valid there.

use std::fmt::Write as _;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::text::fnv;
use super::vocab::Region::{self, *};

/// A phone number as a country calling code and a national significant
/// number (digits, no trunk `0`). An empty `nsn` means "no valid number".
#[derive(Clone, Default)]
pub(super) struct Num {
    cc: &'static str,
    nsn: String,
}

impl Num {
    pub(super) fn is_some(&self) -> bool {
        !self.nsn.is_empty()
    }
    pub(super) fn clear(&mut self) {
        self.cc = "";
        self.nsn.clear();
    }
    pub(super) fn e164_into(&self, out: &mut String) {
        out.clear();
        out.push('+');
        out.push_str(self.cc);
        out.push_str(&self.nsn);
    }
    pub(super) fn key(&self) -> u64 {
        fnv(self.cc.as_bytes()) ^ fnv(self.nsn.as_bytes()).rotate_left(17)
    }
}

/// Writes `n` in one of the formats French vendors use:
/// 0 `06 12 34 56 78`, 1 `0612345678`, 2 `06.12.34.56.78`, 3 `06-12-34-56-78`,
/// 4 `+33 6 12 34 56 78`, 5 `+33612345678`, 6 `0033612345678`, 7 `+33 (0)6 12 34 56 78`.
pub(super) fn write_num(out: &mut String, n: &Num, style: u8) {
    out.clear();
    let national_pairs = |out: &mut String, sep: char| {
        out.push('0');
        for (i, c) in n.nsn.chars().enumerate() {
            if i % 2 == 1 {
                out.push(sep);
            }
            out.push(c);
        }
    };
    let intl_spaced = |out: &mut String| {
        let head = if n.cc == "33" { 1 } else { 3.min(n.nsn.len()) };
        out.push_str(&n.nsn[..head]);
        for (i, c) in n.nsn[head..].chars().enumerate() {
            if i % 2 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
    };
    match style {
        0 => national_pairs(out, ' '),
        1 => {
            out.push('0');
            out.push_str(&n.nsn);
        }
        2 => national_pairs(out, '.'),
        3 => national_pairs(out, '-'),
        4 => {
            let _ = write!(out, "+{} ", n.cc);
            intl_spaced(out);
        }
        5 => {
            let _ = write!(out, "+{}{}", n.cc, n.nsn);
        }
        6 => {
            let _ = write!(out, "00{}{}", n.cc, n.nsn);
        }
        _ => {
            let _ = write!(out, "+{} (0)", n.cc);
            intl_spaced(out);
        }
    }
}

pub(super) fn pick_num_style(rng: &mut ChaCha8Rng) -> u8 {
    match rng.gen_range(0..100) {
        0..=54 => 0,
        55..=74 => 1,
        75..=82 => 2,
        83..=85 => 3,
        86..=93 => 4,
        94..=97 => 5,
        98 => 6,
        _ => 7,
    }
}

pub(super) fn push_digits(rng: &mut ChaCha8Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
}

fn push_one_of(rng: &mut ChaCha8Rng, out: &mut String, digits: &[u8]) {
    out.push(char::from(*digits.choose(rng).expect("non-empty")));
}

#[derive(Clone, Copy)]
pub(super) enum NumKind {
    Mobile,
    Landline,
    Voip,
    Premium,
}

/// A random number of `kind` valid for `region` under libphonenumber's
/// metadata (the patterns the `phonenumber` crate checks).
pub(super) fn random_nsn(rng: &mut ChaCha8Rng, region: Region, kind: NumKind, out: &mut Num) {
    out.nsn.clear();
    let s = &mut out.nsn;
    out.cc = match region {
        Metro(zone) => {
            match kind {
                NumKind::Mobile => {
                    if rng.gen_bool(0.6) {
                        s.push('6');
                        push_one_of(rng, s, b"01245678");
                    } else {
                        s.push('7');
                        push_one_of(rng, s, b"3456789");
                    }
                    push_digits(rng, s, 7);
                }
                NumKind::Landline => {
                    s.push(char::from(b'0' + zone));
                    match zone {
                        2 => push_one_of(rng, s, b"01234579"),
                        4 => push_one_of(rng, s, b"123456789"),
                        5 => push_one_of(rng, s, b"012345678"),
                        _ => push_digits(rng, s, 1),
                    }
                    push_digits(rng, s, 7);
                }
                NumKind::Voip => {
                    s.push('9');
                    push_digits(rng, s, 8);
                }
                NumKind::Premium => {
                    s.push_str("89");
                    push_one_of(rng, s, b"279");
                    push_digits(rng, s, 6);
                }
            }
            "33"
        }
        Guadeloupe => {
            match kind {
                NumKind::Mobile => s.push_str("690"),
                _ => s.push_str("5909"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "590"
        }
        Guyane => {
            match kind {
                NumKind::Mobile => {
                    s.push_str("694");
                    push_one_of(rng, s, b"01249");
                }
                _ => s.push_str("5940"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "594"
        }
        Reunion => {
            match kind {
                NumKind::Mobile => s.push_str("692"),
                _ => s.push_str("262"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "262"
        }
        Belgium => {
            match kind {
                NumKind::Mobile => {
                    s.push('4');
                    push_one_of(rng, s, b"56789");
                    push_digits(rng, s, 7);
                }
                _ => {
                    s.push('2');
                    push_one_of(rng, s, b"2345678");
                    push_digits(rng, s, 6);
                }
            }
            "32"
        }
    };
}

pub(super) fn pairs(out: &mut String, digits: &str) {
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
}
