//! Phone numbers: E.164 and line type, with French input habits handled.
//!
//! Parsing and validation use the `phonenumber` crate (a port of Google's
//! libphonenumber, metadata compiled in). What this module adds:
//! - a strict pre-cleaning step, so that separators vendors type (spaces,
//!   dots, dashes, slashes, parentheses, `+33 (0)6`) are accepted while any
//!   stray letter makes the number invalid. libphonenumber would otherwise
//!   read letters as keypad digits (`0612345678a` -> `+336123456782`), which
//!   turns garbage into a plausible but wrong number;
//! - French habits: `0033`/`33` without `+`, a national number that lost its
//!   leading 0 in a spreadsheet, and the French overseas numbering plans
//!   (`0690...` is a Guadeloupe mobile, not an invalid French number);
//! - a fast path for metropolitan numbers (national `0[1-79]` + 8 digits, or
//!   `+33` + 9 digits), the bulk of any French list. A full parse, validation,
//!   typing and E.164 formatting took about 6.7 µs per number in a release
//!   build (on a loaded 2-core machine); the fast path is a few byte
//!   comparisons and one allocation. It reproduces the library's FR metadata
//!   exactly; `fast_path_matches_library` checks this.

use std::str::FromStr;

use phonenumber::{country::Id, metadata::DATABASE, Mode, PhoneNumber, Type};

/// Line type of a number, which decides the channels it can be used for
/// (SMS needs a mobile; docs/pipeline.md#inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PhoneKind {
    /// A mobile number: calls and SMS.
    Mobile,
    /// A fixed line; also libphonenumber's "fixed line or mobile" (see
    /// [`normalise_phone`]).
    Landline,
    /// A VoIP number (French 09).
    Voip,
    /// Premium rate, shared cost, toll-free, UAN and other special numbers
    /// (French 08..., personal numbers, pagers, short codes).
    Premium,
    /// Not a valid number.
    Invalid,
}

impl PhoneKind {
    /// Stable lowercase name, as written in the outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Landline => "landline",
            PhoneKind::Voip => "voip",
            PhoneKind::Premium => "premium",
            PhoneKind::Invalid => "invalid",
        }
    }
}

/// A number in E.164 form (`+` and at most 15 digits), held inline: three
/// phone columns of a few million rows, each value on the heap, cost
/// hundreds of megabytes in allocations alone.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct E164 {
    len: u8,
    bytes: [u8; E164::MAX],
}

impl E164 {
    /// `+` and the 15 digits E.164 allows.
    const MAX: usize = 16;

    /// `None` for text longer than any E.164 number.
    pub fn new(text: &str) -> Option<E164> {
        let len = text.len();
        if len > E164::MAX {
            return None;
        }
        let mut bytes = [0; E164::MAX];
        bytes[..len].copy_from_slice(text.as_bytes());
        Some(E164 {
            len: len as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize])
            .expect("built from a str, cut at its end")
    }
}

impl std::ops::Deref for E164 {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for E164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for E164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A normalised phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Phone {
    /// E.164 with its `+` (e.g. `+33612345678`), for any number that parses
    /// and is valid; `None` when `kind` is [`PhoneKind::Invalid`].
    pub e164: Option<E164>,
    /// Line type.
    pub kind: PhoneKind,
}

impl Phone {
    fn invalid() -> Self {
        Phone {
            e164: None,
            kind: PhoneKind::Invalid,
        }
    }
}

/// Regions sharing the French national format (trunk prefix 0, 10 digits,
/// international prefix 00): the French input habits below apply to them.
const FR_FAMILY: [&str; 9] = ["FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"];

/// Where a national number that is invalid in its record's region is tried
/// next, in this order: a Guadeloupe resident may keep a metropolitan 06,
/// and a record without postcode may hold a 0690. Their prefixes do not
/// overlap (0690 GP, 0696 MQ, 0694 GF, 0692 RE, 0639 YT, ...), so at most one
/// accepts a given number. BL and MF share GP's plan (+590). PM is left out
/// on purpose: its metadata accepts nearly any 9 national digits, so it would
/// turn an invalid metropolitan number such as 07 00 00 00 00 into a
/// Saint-Pierre number.
const FR_FALLBACK: [&str; 6] = ["FR", "GP", "MQ", "GF", "RE", "YT"];

fn in_fr_family(region: &str) -> bool {
    FR_FAMILY.contains(&region)
}

/// Chooses the region used to parse national-format numbers of a record.
///
/// French overseas departments and collectivities use French addresses
/// (country often written "France") but their own phone plans, so for a
/// record whose country is absent, France or one of them, the postcode
/// decides: 971 GP (but 97133 BL and 97150 MF, which kept Guadeloupe's
/// postcodes), 972 MQ, 973 GF, 974 RE, 975 PM, 976 YT, 986 WF, 987 PF,
/// 988 NC. The postcode is ignored for other countries: a
/// German 97xxx postcode is Bavaria. Otherwise the record's country (ISO
/// alpha-2, any case) when the phone metadata knows it, else `"FR"`.
pub fn default_region(country: Option<&str>, postcode: Option<&str>) -> &'static str {
    let country = country.map(str::trim).filter(|c| !c.is_empty());
    let known: Option<&'static str> = country.and_then(|c| {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        DATABASE
            .by_id(c.to_ascii_uppercase().as_str())
            .map(|meta| meta.id())
    });
    let french_postcodes = match (country, known) {
        (None, _) => true,
        (Some(_), Some(id)) => in_fr_family(id) || matches!(id, "WF" | "PF" | "NC"),
        // An unknown country name: it was not normalised, keep the FR default
        // and let the postcode speak.
        (Some(_), None) => true,
    };
    if french_postcodes {
        if let Some(region) = postcode.and_then(overseas_region) {
            return region;
        }
    }
    known.unwrap_or("FR")
}

fn overseas_region(postcode: &str) -> Option<&'static str> {
    let pc = postcode.trim().as_bytes();
    if pc.len() != 5 || !pc.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if pc == b"97133" {
        return Some("BL");
    }
    if pc == b"97150" {
        return Some("MF");
    }
    Some(match &pc[..3] {
        b"971" => "GP",
        b"972" => "MQ",
        b"973" => "GF",
        b"974" => "RE",
        b"975" => "PM",
        b"976" => "YT",
        b"986" => "WF",
        b"987" => "PF",
        b"988" => "NC",
        _ => return None,
    })
}

/// Normalises one phone cell, parsing national numbers in `region` (ISO
/// alpha-2, uppercase, as returned by [`default_region`]). Returns `None`
/// for an empty cell; any other cell gives `Some`, with
/// [`PhoneKind::Invalid`] and no E.164 when it is not a valid number.
///
/// Type mapping: libphonenumber's `FixedLineOrMobile` (regions such as the
/// US where the number does not tell) becomes [`PhoneKind::Landline`]: SMS
/// needs a known mobile, and calling is allowed to any valid number anyway,
/// so the cautious reading costs nothing but an SMS we cannot justify.
pub fn normalise_phone(raw: &str, region: &str) -> Option<Phone> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let Some(Cleaned {
        mut plus,
        mut digits,
    }) = clean(trimmed)
    else {
        return Some(Phone::invalid());
    };
    let french = in_fr_family(region);
    if french && !plus {
        if let Some(rest) = digits.strip_prefix("00") {
            digits = rest.to_string();
            plus = true;
        } else if looks_international_french(&digits) {
            plus = true;
        } else if digits.len() == 9 && !digits.starts_with('0') {
            // A leading 0 eaten by a spreadsheet that stored the number as an
            // integer: 612345678 was 0612345678.
            digits.insert(0, '0');
        }
    }

    // Fast path: metropolitan French numbers, national or +33.
    let national_fr = if plus {
        digits.strip_prefix("33").filter(|_| digits.len() == 11)
    } else if region == "FR" && digits.len() == 10 {
        digits.strip_prefix('0')
    } else {
        None
    };
    if let Some(national) = national_fr {
        match fast_fr_kind(national) {
            Some(PhoneKind::Invalid) | None => {
                // Invalid in metropolitan France: may still be an overseas
                // number (0690...), which the slow path below tries; None
                // is an 08 special number, left to the library.
            }
            Some(kind) => {
                return Some(Phone {
                    e164: E164::new(&format!("+33{national}")),
                    kind,
                })
            }
        }
    }

    let text = if plus { format!("+{digits}") } else { digits };
    let primary = Id::from_str(region).ok();
    if let Some(phone) = library_parse(primary, &text) {
        return Some(phone);
    }
    if french && !plus {
        for other in FR_FALLBACK.iter().filter(|r| **r != region) {
            if let Some(phone) = library_parse(Id::from_str(other).ok(), &text) {
                return Some(phone);
            }
        }
    }
    Some(Phone::invalid())
}

/// Every E.164 form a number of a suppression list may stand for, when the
/// list gives no region. Bloctel files and opposition lists write French
/// numbers in the 10-digit national form without a postcode, but a record
/// in Martinique holds `0596 70 12 34` as `+596596701234` while the same
/// digits also parse as a (metropolitan-plan) `+33596701234`. The national
/// plan is shared: both are the same line, so the list entry must match
/// either form. Numbers with a country code, or not in the national form,
/// give at most the one E.164 of [`normalise_phone`] with region FR.
pub fn suppression_variants(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = normalise_phone(raw, "FR")
        .and_then(|p| p.e164)
        .map(|e| e.to_string())
        .into_iter()
        .collect();
    let national = clean(raw.trim())
        .filter(|c| !c.plus && c.digits.len() == 10 && c.digits.starts_with('0'))
        .map(|c| c.digits);
    if let Some(digits) = national {
        // The overseas departments that share the 10-digit national plan
        // (BL and MF use GP's +590; PM has its own 6-digit plan).
        for region in FR_FALLBACK.iter().filter(|r| **r != "FR") {
            if let Some(e164) =
                library_parse(Id::from_str(region).ok(), &digits).and_then(|p| p.e164)
            {
                if !out.iter().any(|o| o == e164.as_str()) {
                    out.push(e164.to_string());
                }
            }
        }
    }
    out
}

/// The number's type. The crate matches the type patterns against the
/// national number without its leading zeros, so the numbers of countries
/// that keep the 0 after the country code (Italy: `+39 02 1234 5678`,
/// "italian leading zero") match no type although `is_valid` accepts
/// them; for those the patterns are matched with the zeros, as
/// libphonenumber does.
fn number_type(number: &PhoneNumber) -> Type {
    let t = number.number_type(&DATABASE);
    if t != Type::Unknown || number.national().zeros() == 0 {
        return t;
    }
    // The metadata is looked up by the zero-less number too: by code here,
    // every region of the code in turn (+39 is Italy and the Vatican).
    let national = number.national().to_string();
    DATABASE
        .by_code(&number.code().value())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.descriptors().general().is_match(&national))
        .map(|m| type_by_patterns(m.descriptors(), &national))
        .find(|t| *t != Type::Unknown)
        .unwrap_or(t)
}

fn type_by_patterns(d: &phonenumber::metadata::Descriptors, national: &str) -> Type {
    let is = |desc: Option<&phonenumber::metadata::Descriptor>| {
        desc.is_some_and(|x| x.is_match(national))
    };
    // libphonenumber's order: special numbers first, then fixed and mobile.
    for (desc, kind) in [
        (d.premium_rate(), Type::PremiumRate),
        (d.toll_free(), Type::TollFree),
        (d.shared_cost(), Type::SharedCost),
        (d.voip(), Type::Voip),
        (d.personal_number(), Type::PersonalNumber),
        (d.pager(), Type::Pager),
        (d.uan(), Type::Uan),
        (d.voicemail(), Type::Voicemail),
    ] {
        if is(desc) {
            return kind;
        }
    }
    match (is(d.fixed_line()), is(d.mobile())) {
        (true, true) => Type::FixedLineOrMobile,
        (true, false) => Type::FixedLine,
        (false, true) => Type::Mobile,
        (false, false) => Type::Unknown,
    }
}

/// Full libphonenumber parse; `Some` only for a valid number.
fn library_parse(region: Option<Id>, text: &str) -> Option<Phone> {
    // A number with its country code needs no default region, and the
    // crate reads the leading zero of +39 0... numbers only without one.
    let region = if text.starts_with('+') { None } else { region };
    let number: PhoneNumber = phonenumber::parse(region, text).ok()?;
    if !number.is_valid() {
        return None;
    }
    let kind = match number_type(&number) {
        Type::Mobile => PhoneKind::Mobile,
        Type::FixedLine | Type::FixedLineOrMobile => PhoneKind::Landline,
        Type::Voip => PhoneKind::Voip,
        Type::PremiumRate
        | Type::TollFree
        | Type::SharedCost
        | Type::Uan
        | Type::PersonalNumber
        | Type::Pager
        | Type::Voicemail
        | Type::ShortCode
        | Type::StandardRate
        | Type::Carrier
        | Type::NoInternational
        | Type::Emergency => PhoneKind::Premium,
        Type::Unknown => return None,
    };
    // The library writes at most 15 digits; a longer text would not be E.164.
    let Some(e164) = E164::new(&number.format().mode(Mode::E164).to_string()) else {
        return Some(Phone::invalid());
    };
    Some(Phone {
        e164: Some(e164),
        kind,
    })
}

/// Digits typed without `+` or `00` that can only be international French
/// numbers: national numbers have 10 digits, so 11 digits starting with 33
/// (`33612345678`), or 12 with `330` (`330612345678`, the trunk 0 kept), or
/// an overseas code followed by 9 national digits (`590690123456`).
fn looks_international_french(digits: &str) -> bool {
    let b = digits.as_bytes();
    match b.len() {
        11 => digits.starts_with("33") && b[2] != b'0',
        12 => {
            digits.starts_with("330")
                || (["262", "590", "594", "596"]
                    .iter()
                    .any(|cc| digits.starts_with(cc))
                    && b[3] != b'0')
        }
        _ => false,
    }
}

/// Line type of a 9-digit metropolitan French national number (without its
/// trunk 0), transcribed from libphonenumber's FR metadata (v9.0.33):
/// fixed `(?:26[013-9]|59[1-35-9])\d{6}|(?:[13]\d|2[0-57-9]|4[1-9]|5[0-8])\d{7}`,
/// mobile `(?:6(?:[0-24-8]\d|3[0-8]|9[589])|7[3-9]\d)\d{6}`, voip `9\d{8}`.
/// `None` for the 08 special ranges (rare, and their rules are intricate:
/// left to the library) and for anything that is not 9 digits.
fn fast_fr_kind(national: &str) -> Option<PhoneKind> {
    let n = national.as_bytes();
    if n.len() != 9 || !n.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let landline_if = |ok: bool| {
        if ok {
            PhoneKind::Landline
        } else {
            PhoneKind::Invalid
        }
    };
    let mobile_if = |ok: bool| {
        if ok {
            PhoneKind::Mobile
        } else {
            PhoneKind::Invalid
        }
    };
    Some(match n[0] {
        b'1' | b'3' => PhoneKind::Landline,
        b'2' => landline_if(n[1] != b'6' || matches!(n[2], b'0' | b'1' | b'3'..=b'9')),
        b'4' => landline_if(n[1] != b'0'),
        b'5' => landline_if(n[1] != b'9' || matches!(n[2], b'1'..=b'3' | b'5'..=b'9')),
        b'6' => mobile_if(match n[1] {
            b'3' => n[2] != b'9',
            b'9' => matches!(n[2], b'5' | b'8' | b'9'),
            _ => true,
        }),
        b'7' => mobile_if(n[1] >= b'3'),
        b'9' => PhoneKind::Voip,
        _ => return None,
    })
}

struct Cleaned {
    plus: bool,
    /// ASCII digits only.
    digits: String,
}

/// Reduces a trimmed cell to an optional `+` and digits, or `None` when it
/// contains anything that is not a number: letters (other than a leading
/// label such as `Tél :` and a trailing extension, which is dropped since
/// E.164 has none), a `+` after digits, or no digit at all.
fn clean(trimmed: &str) -> Option<Cleaned> {
    let text = strip_extension(strip_label(trimmed));
    let mut plus = false;
    let mut digits = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits, from Asian input methods and some PDFs.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' if !plus && digits.is_empty() => plus = true,
            // "+33 (0)6 ...": the trunk 0 in parentheses after a country code
            // must not be dialled. At the very start, "(0)6 ..." is a plain
            // national number and the 0 is kept by the generic rule below.
            '(' if !digits.is_empty() => {
                let mut look = chars.clone();
                if look.next() == Some('0') && look.next() == Some(')') {
                    chars = look;
                }
            }
            '(' | ')' | '.' | '-' | '/' | '_' | '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    if digits.is_empty() {
        return None;
    }
    Some(Cleaned { plus, digits })
}

/// Drops a leading `tel:` (RFC 3966) or a label a vendor left in the cell
/// (`Tél : 06...`, `Portable 06...`).
fn strip_label(text: &str) -> &str {
    let start = text
        .find(|c: char| c.is_ascii_digit() || c == '+' || c == '(')
        .unwrap_or(text.len());
    let (label, rest) = text.split_at(start);
    let word = label
        .trim_end_matches(|c: char| c.is_whitespace() || c == ':' || c == '.')
        .to_lowercase();
    const LABELS: [&str; 12] = [
        "tel",
        "tél",
        "tél",
        "telephone",
        "téléphone",
        "phone",
        "mobile",
        "portable",
        "port",
        "fixe",
        "gsm",
        "standard",
    ];
    if !word.is_empty() && LABELS.contains(&word.as_str()) {
        rest
    } else {
        text
    }
}

/// Cuts an extension (`poste 123`, `ext. 12`, `x12`, `;ext=12`) off the end.
fn strip_extension(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    for marker in [";ext=", " ext", " poste", " p.", " x"] {
        if let Some(pos) = lower.rfind(marker) {
            let tail = &lower[pos + marker.len()..];
            let tail = tail.trim_start_matches(|c: char| c == '.' || c == ':' || c.is_whitespace());
            if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                return &text[..pos];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(raw: &str, region: &str) -> (Option<String>, PhoneKind) {
        let phone = normalise_phone(raw, region).unwrap();
        (phone.e164.map(|e| e.to_string()), phone.kind)
    }

    fn valid(e164: &str, kind: PhoneKind) -> (Option<String>, PhoneKind) {
        (Some(e164.to_string()), kind)
    }

    const INVALID: (Option<String>, PhoneKind) = (None, PhoneKind::Invalid);

    #[test]
    fn italian_fixed_lines_keep_their_leading_zero() {
        for raw in ["+39 02 1234 5678", "02 1234 5678", "0039 02 12345678"] {
            assert_eq!(
                p(raw, "IT"),
                valid("+390212345678", PhoneKind::Landline),
                "{raw}"
            );
        }
        assert_eq!(
            p("+39 06 6982 1234", "FR"),
            valid("+390669821234", PhoneKind::Landline)
        );
        assert_eq!(
            p("+39 347 123 4567", "IT"),
            valid("+393471234567", PhoneKind::Mobile)
        );
    }

    #[test]
    fn suppression_numbers_match_overseas_records() {
        // Martinique and Mayotte landlines, written without postcode.
        for (raw, overseas) in [
            ("0596 70 12 34", "+596596701234"),
            ("0269 61 12 34", "+262269611234"),
        ] {
            let v = suppression_variants(raw);
            assert!(v.contains(&overseas.to_owned()), "{raw}: {v:?}");
            let record = normalise_phone(
                raw,
                default_region(
                    None,
                    Some(if raw.starts_with("0596") {
                        "97200"
                    } else {
                        "97600"
                    }),
                ),
            )
            .and_then(|p| p.e164)
            .unwrap()
            .to_string();
            assert!(v.contains(&record), "{raw}: {v:?} lacks {record}");
        }
        assert_eq!(
            suppression_variants("06 12 34 56 78"),
            vec!["+33612345678".to_owned()]
        );
        assert_eq!(
            suppression_variants("+33 6 12 34 56 78"),
            vec!["+33612345678".to_owned()]
        );
        assert!(suppression_variants("12").is_empty());
    }

    #[test]
    fn empty_is_unknown() {
        assert_eq!(normalise_phone("", "FR"), None);
        assert_eq!(normalise_phone("  \t", "FR"), None);
    }

    #[test]
    fn french_types() {
        use PhoneKind::*;
        assert_eq!(p("06 12 34 56 78", "FR"), valid("+33612345678", Mobile));
        assert_eq!(p("07 81 23 45 67", "FR"), valid("+33781234567", Mobile));
        assert_eq!(p("01 42 68 53 00", "FR"), valid("+33142685300", Landline));
        assert_eq!(p("04 78 12 34 56", "FR"), valid("+33478123456", Landline));
        assert_eq!(p("09 51 23 45 67", "FR"), valid("+33951234567", Voip));
        assert_eq!(p("0899 12 34 56", "FR"), valid("+33899123456", Premium));
        assert_eq!(p("0800 12 34 56", "FR"), valid("+33800123456", Premium));
        assert_eq!(p("0810 12 34 56", "FR"), valid("+33810123456", Premium));
        assert_eq!(p("0806 12 34 56", "FR"), valid("+33806123456", Premium));
        assert_eq!(p("07 00 00 00 00", "FR"), INVALID);
    }

    #[test]
    fn french_noise() {
        use PhoneKind::*;
        let m = valid("+33612345678", Mobile);
        for raw in [
            "0612345678",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "06/12/34/56/78",
            "(06) 12 34 56 78",
            "06\u{a0}12\u{a0}34\u{a0}56\u{a0}78",
            "+33 (0)6 12 34 56 78",
            "+33 6 12 34 56 78",
            "+33612345678",
            "+330612345678",
            "0033612345678",
            "0033 (0)6 12 34 56 78",
            "33612345678",
            "330612345678",
            "612345678",
            "tel:+33612345678",
            "Tél : 06 12 34 56 78",
            "Portable 06 12 34 56 78",
            "０６１２３４５６７８",
        ] {
            assert_eq!(p(raw, "FR"), m, "{raw}");
        }
        assert_eq!(
            p("01 42 68 53 00 poste 123", "FR"),
            valid("+33142685300", Landline)
        );
        assert_eq!(
            p("01 42 68 53 00 ext. 12", "FR"),
            valid("+33142685300", Landline)
        );
    }

    #[test]
    fn garbage_is_invalid() {
        for raw in [
            "abc",
            "n/a",
            "0612345678a",
            "06 12 34 56 7",
            "06123456789",
            "0612",
            "0000000000",
            "06 12 34 56 78 / 01 42 68 53 00",
            "+",
            "--",
            "6+0612345678",
            "1",
        ] {
            assert_eq!(p(raw, "FR"), INVALID, "{raw}");
        }
    }

    #[test]
    fn overseas() {
        use PhoneKind::*;
        let gp = default_region(None, Some("97110"));
        assert_eq!(gp, "GP");
        assert_eq!(p("0690 12 34 56", gp), valid("+590690123456", Mobile));
        assert_eq!(p("0590 12 34 56", gp), valid("+590590123456", Landline));
        // A metropolitan mobile kept by someone living in Guadeloupe.
        assert_eq!(p("06 12 34 56 78", gp), valid("+33612345678", Mobile));
        // Overseas number in a record without postcode.
        assert_eq!(p("0690 12 34 56", "FR"), valid("+590690123456", Mobile));
        assert_eq!(p("0696 12 34 56", "FR"), valid("+596696123456", Mobile));
        assert_eq!(p("0694 12 34 56", "FR"), valid("+594694123456", Mobile));
        assert_eq!(p("0692 12 34 56", "FR"), valid("+262692123456", Mobile));
        assert_eq!(p("0262 12 34 56", "FR"), valid("+262262123456", Landline));
        assert_eq!(p("590690123456", "FR"), valid("+590690123456", Mobile));
        assert_eq!(p("+590 690 12 34 56", "FR"), valid("+590690123456", Mobile));
        assert_eq!(
            p("0690123456", default_region(Some("FR"), Some("97110"))),
            valid("+590690123456", Mobile)
        );
    }

    #[test]
    fn other_countries() {
        use PhoneKind::*;
        assert_eq!(p("+32 470 12 34 56", "FR"), valid("+32470123456", Mobile));
        assert_eq!(p("0470 12 34 56", "BE"), valid("+32470123456", Mobile));
        assert_eq!(p("(202) 555-0123", "US"), valid("+12025550123", Landline));
        assert_eq!(
            p("+44 (0)20 7946 0958", "FR"),
            valid("+442079460958", Landline)
        );
        // A region the metadata does not know: national numbers cannot be
        // read, international ones still can.
        assert_eq!(p("0612345678", "XX"), INVALID);
        assert_eq!(p("+33612345678", "XX"), valid("+33612345678", Mobile));
    }

    #[test]
    fn default_region_rules() {
        assert_eq!(default_region(None, None), "FR");
        assert_eq!(default_region(Some("FR"), Some("75001")), "FR");
        assert_eq!(default_region(None, Some("97110")), "GP");
        assert_eq!(default_region(Some("FR"), Some("97200")), "MQ");
        assert_eq!(default_region(Some("FR"), Some("97300")), "GF");
        assert_eq!(default_region(Some("FR"), Some("97400")), "RE");
        assert_eq!(default_region(Some("FR"), Some("97500")), "PM");
        assert_eq!(default_region(Some("FR"), Some("97600")), "YT");
        assert_eq!(default_region(Some("FR"), Some("97133")), "BL");
        assert_eq!(default_region(Some("FR"), Some("97150")), "MF");
        assert_eq!(default_region(Some("FR"), Some("98800")), "NC");
        assert_eq!(default_region(Some("GP"), None), "GP");
        assert_eq!(default_region(Some("be"), None), "BE");
        assert_eq!(default_region(Some("BE"), Some("1000")), "BE");
        // A German 97xxx postcode is Bavaria, not the Caribbean.
        assert_eq!(default_region(Some("DE"), Some("97070")), "DE");
        assert_eq!(default_region(Some("ZZ"), None), "FR");
        assert_eq!(default_region(Some("France"), Some("97110")), "GP");
        assert_eq!(default_region(Some(""), None), "FR");
        // Every overseas region the postcodes map to is known to the library.
        for pc in [
            "97100", "97200", "97300", "97400", "97500", "97600", "97700", "97800", "98600",
            "98700", "98800",
        ] {
            let r = default_region(None, Some(pc));
            assert!(DATABASE.by_id(r).is_some(), "{r}");
        }
    }

    #[test]
    fn kind_names() {
        assert_eq!(PhoneKind::Mobile.as_str(), "mobile");
        assert_eq!(PhoneKind::Landline.as_str(), "landline");
        assert_eq!(PhoneKind::Voip.as_str(), "voip");
        assert_eq!(PhoneKind::Premium.as_str(), "premium");
        assert_eq!(PhoneKind::Invalid.as_str(), "invalid");
    }

    /// The fast path must agree with the library on every metropolitan
    /// prefix it claims: each 3-digit prefix, several suffixes.
    #[test]
    fn fast_path_matches_library() {
        let mut checked = 0;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for prefix in 100..1000u32 {
            for _ in 0..10 {
                // xorshift: deterministic pseudo-random suffixes.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let national = format!("{prefix}{:06}", state % 1_000_000);
                let Some(fast) = fast_fr_kind(&national) else {
                    assert!(national.starts_with('8'), "{national}");
                    continue;
                };
                let lib = library_parse(Some(Id::FR), &format!("0{national}"))
                    .map(|ph| ph.kind)
                    .unwrap_or(PhoneKind::Invalid);
                assert_eq!(fast, lib, "0{national}");
                if fast != PhoneKind::Invalid {
                    let e164 = library_parse(Some(Id::FR), &format!("0{national}"))
                        .and_then(|ph| ph.e164)
                        .map(|e| e.to_string());
                    assert_eq!(e164, Some(format!("+33{national}")));
                }
                checked += 1;
            }
        }
        assert!(checked >= 7000, "{checked}");
    }

    proptest! {
        #[test]
        fn idempotent_numbers(
            raw in "[+]?[0-9 .()-]{0,16}",
            region in prop::sample::select(vec!["FR", "GP", "RE", "BE", "US", "DE"]),
        ) {
            if let Some(first) = normalise_phone(&raw, region) {
                if let Some(e164) = &first.e164 {
                    prop_assert_eq!(normalise_phone(e164, region), Some(first));
                    // E.164 is region-independent.
                    prop_assert_eq!(normalise_phone(e164, "FR"), Some(first));
                } else {
                    prop_assert_eq!(first.kind, PhoneKind::Invalid);
                }
            }
        }

        #[test]
        fn french_mobiles_round_trip(n in 0u32..100_000_000) {
            let raw = format!("06{n:08}");
            let first = normalise_phone(&raw, "FR").unwrap();
            // Not every 06 is allocated (e.g. 0639 8...): only valid ones
            // have an E.164 form to feed back.
            if let Some(e164) = first.e164 {
                prop_assert_eq!(normalise_phone(&e164, "FR"), Some(first));
            } else {
                prop_assert_eq!(first.kind, PhoneKind::Invalid);
            }
        }

        #[test]
        fn never_panics(raw in "\\PC{0,30}") {
            let _ = normalise_phone(&raw, "FR");
        }
    }
}
