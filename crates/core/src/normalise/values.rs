//! Yes/no and date cells (docs/pipeline.md#inputs, "Accepted values").
//!
//! Both parsers return a `recognised` flag next to the value: a non-empty
//! cell that does not match the accepted forms is read as unknown (never as
//! a default "yes", never as a guessed date) and counted as a warning in the
//! run summary, so the vendor's format problems are visible.

use chrono::NaiveDate;

/// A consent or objection cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum YesNo {
    Yes,
    No,
    /// Empty or not recognised.
    Unknown,
}

/// Reads a yes/no cell: yes = `yes`, `oui`, `y`, `o`, `true`, `1`, `x`;
/// no = `no`, `non`, `n`, `false`, `0`; trimmed, case and accents ignored
/// (`OUI`, `Oùi`). Empty → `(Unknown, true)`; anything else →
/// `(Unknown, false)`.
pub fn parse_yes_no(raw: &str) -> (YesNo, bool) {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return (YesNo::Unknown, true);
    }
    // Cheap for the usual ASCII cell; accents folded only when present.
    let folded = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        deunicode::deunicode(trimmed).to_ascii_lowercase()
    };
    match folded.as_str() {
        "yes" | "oui" | "y" | "o" | "true" | "1" | "x" => (YesNo::Yes, true),
        "no" | "non" | "n" | "false" | "0" => (YesNo::No, true),
        _ => (YesNo::Unknown, false),
    }
}

/// Reads a date cell.
///
/// Accepted:
/// - ISO 8601 extended date `YYYY-MM-DD`, optionally followed by `T`, `t`
///   or a space and a time `HH:MM[:SS[.fraction]]`, optionally followed by
///   `Z` or an offset (`+01:00`, `+0100`, `+01`). The date is returned as
///   written: `2026-03-01T23:30:00-05:00` is 1 March, not converted to UTC,
///   because the vendor's date is what the evidence says;
/// - French `dd/mm/yyyy`, also `d/m/yyyy`, `dd-mm-yyyy` and `dd.mm.yyyy`
///   (same separator twice, four-digit year), optionally followed by a space
///   and a time as above without offset (spreadsheet exports write
///   `01/03/2026 10:15:00`).
///
/// Empty → `(None, true)`; anything else, including impossible dates
/// (`31/02/2026`) and two-digit years (which century?), → `(None, false)`.
pub fn parse_date(raw: &str) -> (Option<NaiveDate>, bool) {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return (None, true);
    }
    let parsed = parse_iso(trimmed).or_else(|| parse_french(trimmed));
    (parsed, parsed.is_some())
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&s[0..4])?).ok()?,
        number(&s[5..7])?,
        number(s.get(8..10)?)?,
    )?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some(date);
    }
    let time = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix('t'))
        .or_else(|| rest.strip_prefix(' '))?;
    // Split the offset off the time: Z, or the first + or - (a time has
    // neither).
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    (valid_clock(clock) && valid_offset(offset)).then_some(date)
}

fn parse_french(s: &str) -> Option<NaiveDate> {
    let (date_part, time_part) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim_start())),
        None => (s, None),
    };
    if let Some(t) = time_part {
        if !valid_clock(t) {
            return None;
        }
    }
    let sep = date_part.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let mut parts = date_part.split(sep);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || day.len() > 2 || month.len() > 2 || year.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        i32::try_from(number(year)?).ok()?,
        number(month)?,
        number(day)?,
    )
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (also `,fraction`).
fn valid_clock(clock: &str) -> bool {
    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    if fraction.is_some_and(|f| number(f).is_none()) {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return false;
    }
    if fraction.is_some() && parts.len() != 3 {
        return false;
    }
    let limits = [23, 59, 60]; // 60: leap second
    parts
        .iter()
        .zip(limits)
        .all(|(p, max)| number(p).is_some_and(|v| v <= max))
}

/// Empty, `Z`/`z`, or `±HH`, `±HHMM`, `±HH:MM`.
fn valid_offset(offset: &str) -> bool {
    if offset.is_empty() || offset == "Z" || offset == "z" {
        return true;
    }
    let Some(rest) = offset.strip_prefix(['+', '-']).filter(|r| r.is_ascii()) else {
        return false;
    };
    let (hh, mm) = match rest.len() {
        2 => (rest, "00"),
        4 => (&rest[..2], &rest[2..]),
        5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
        _ => return false,
    };
    number(hh).is_some_and(|h| h <= 23) && number(mm).is_some_and(|m| m <= 59)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> (Option<NaiveDate>, bool) {
        (NaiveDate::from_ymd_opt(y, m, day), true)
    }

    const BAD: (Option<NaiveDate>, bool) = (None, false);

    #[test]
    fn yes_no() {
        for raw in [
            "yes", "YES", " Oui ", "OUI", "oùi", "y", "O", "o", "true", "TRUE", "1", "x", "X",
        ] {
            assert_eq!(parse_yes_no(raw), (YesNo::Yes, true), "{raw}");
        }
        for raw in ["no", "No", "NON", "n", "N", "false", "False", "0", " non "] {
            assert_eq!(parse_yes_no(raw), (YesNo::No, true), "{raw}");
        }
        assert_eq!(parse_yes_no(""), (YesNo::Unknown, true));
        assert_eq!(parse_yes_no("   "), (YesNo::Unknown, true));
        for raw in ["peut-être", "ok", "2", "oui/non", "yes please", "-", "vrai"] {
            assert_eq!(parse_yes_no(raw), (YesNo::Unknown, false), "{raw}");
        }
    }

    #[test]
    fn iso_dates() {
        assert_eq!(parse_date("2026-03-01"), d(2026, 3, 1));
        assert_eq!(parse_date(" 2026-03-01 "), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01T10:15:00Z"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01T10:15:00.123Z"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01 10:15:00"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01 10:15"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01t10:15:00z"), d(2026, 3, 1));
        // The date as written, not converted to UTC.
        assert_eq!(parse_date("2026-03-01T23:30:00-05:00"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01T00:30:00+02:00"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01T00:30:00+0200"), d(2026, 3, 1));
        assert_eq!(parse_date("2026-03-01T00:30:00+02"), d(2026, 3, 1));
        assert_eq!(parse_date("2024-02-29"), d(2024, 2, 29));
    }

    #[test]
    fn french_dates() {
        assert_eq!(parse_date("01/03/2026"), d(2026, 3, 1));
        assert_eq!(parse_date("1/3/2026"), d(2026, 3, 1));
        assert_eq!(parse_date("01-03-2026"), d(2026, 3, 1));
        assert_eq!(parse_date("01.03.2026"), d(2026, 3, 1));
        assert_eq!(parse_date("31/12/2025"), d(2025, 12, 31));
        assert_eq!(parse_date("01/03/2026 10:15:00"), d(2026, 3, 1));
        assert_eq!(parse_date("01/03/2026 10:15"), d(2026, 3, 1));
    }

    #[test]
    fn unrecognised_dates() {
        assert_eq!(parse_date(""), (None, true));
        assert_eq!(parse_date("  "), (None, true));
        for raw in [
            "31/02/2026",
            "2026-02-30",
            "2025-02-29",
            "32/01/2026",
            "01/13/2026",
            "01/03/26",
            "2026/03/01",
            "01/03-2026",
            "2026-3-1",
            "20260301",
            "2026-03-01T25:00:00",
            "2026-03-01T10:61",
            "2026-03-01T10:15:00+25:00",
            "2026-03-01X",
            "2026-03-01T",
            "01/03/2026 lundi",
            "hier",
            "46082",
            "mars 2026",
            "1er mars 2026",
            "01/03/2026/01",
        ] {
            assert_eq!(parse_date(raw), BAD, "{raw}");
        }
    }

    #[test]
    fn never_panics_on_multibyte() {
        for raw in [
            "2026-03-0é",
            "é026-03-01",
            "2026-03-01T10:15+0é:00",
            "01/03/2026 é",
            "éééééééééééé",
        ] {
            let _ = parse_date(raw);
        }
    }
}
