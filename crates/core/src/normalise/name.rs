//! Person and company names: a cleaned display form and a folded matching key.
//!
//! The outputs keep the person's own spelling ([`clean_name`] only removes
//! layout noise); [`fold_key`] is for comparisons between records and is
//! never written back as the person's name.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// Trims, collapses every run of inner whitespace (including tabs, line
/// breaks and no-break spaces) to one space, drops invisible zero-width
/// characters, and puts the text in Unicode NFC. `None` when nothing is left.
///
/// NFC because the same "é" arrives precomposed from one source and as
/// `e` + combining accent from another (macOS file names, some PDFs): they
/// must compare equal byte for byte. NFC is applied last so that removing a
/// zero-width character between a letter and its accent cannot leave a
/// composable pair behind, which would break idempotence.
pub fn clean_name(raw: &str) -> Option<String> {
    let mut collapsed = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = true;
            continue;
        }
        if pending_space && !collapsed.is_empty() {
            collapsed.push(' ');
        }
        pending_space = false;
        collapsed.push(c);
    }
    if collapsed.is_empty() {
        return None;
    }
    // Most cells are ASCII or already in NFC: the composing iterator would
    // give them back unchanged, at a tenth of the speed of a check.
    if collapsed.is_ascii()
        || unicode_normalization::is_nfc_quick(collapsed.chars()) == IsNormalized::Yes
    {
        return Some(collapsed);
    }
    Some(collapsed.nfc().collect())
}

/// Zero-width characters that copy-paste leaves in cells: they are invisible,
/// so two names that look identical would otherwise differ.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// A matching key: ASCII lowercase letters and digits, words separated by a
/// single space, no leading or trailing space. Empty when nothing is left.
///
/// Exact choices, in order:
/// 0. the text is put in NFC, so a decomposed `e` + U+0301 is one letter;
///    combining marks left over (no precomposed form) and zero-width
///    characters are dropped, not turned into word breaks;
/// 1. every other character that is not a letter or a digit (punctuation,
///    apostrophes, hyphens, symbols, emoji, `°`) becomes a word break. So
///    `D'Hôtel-Martin` gives `d hotel martin`, matching `D Hotel Martin` and
///    `d'hotel martin`, but not `Dhotel Martin` (gluing would instead merge
///    real word boundaries such as `Jean-Marie` vs `Jean Marie`'s initials).
///    `°` is handled here before transliteration, or `N°` would become
///    `ndeg`; `º` and `ª` (ordinal indicators, letters for Unicode) too;
/// 2. letters and digits are transliterated with `deunicode` (`é`→`e`,
///    `ß`→`ss`, `æ`→`ae`, `Ł`→`l`, non-Latin scripts romanised), which
///    also covers what Unicode decomposition cannot (`ø`, `đ`, `œ`);
/// 3. lowercased; anything still not `[a-z0-9]` after transliteration
///    becomes a word break; runs of breaks collapse to one space.
///
/// Example: `"Élodie  D'Hôtel-Martin"` → `"elodie d hotel martin"`.
pub fn fold_key(raw: &str) -> String {
    let mut out = Folding {
        out: String::with_capacity(raw.len()),
        pending_space: false,
    };
    // Most values are ASCII: NFC leaves them as they are and none of their
    // characters is invisible or a combining mark, so the per-character
    // walk below would only push them. Values already in NFC (nearly all
    // of the rest) skip the normalising iterator.
    if raw.is_ascii() {
        out.push_ascii(raw);
    } else if unicode_normalization::is_nfc_quick(raw.chars()) == IsNormalized::Yes {
        out.push_chars(raw.chars());
    } else {
        // NFC first so that a decomposed `e` + U+0301 is one letter, then
        // combining marks with no precomposed form are dropped rather than
        // treated as word breaks.
        out.push_chars(raw.nfc());
    }
    out.out
}

/// The state of [`fold_key`]: the key so far, and whether a word break is
/// waiting for the next letter.
struct Folding {
    out: String,
    pending_space: bool,
}

impl Folding {
    fn push_ascii(&mut self, s: &str) {
        for b in s.bytes() {
            let b = b.to_ascii_lowercase();
            if b.is_ascii_lowercase() || b.is_ascii_digit() {
                if self.pending_space && !self.out.is_empty() {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push(char::from(b));
            } else {
                self.pending_space = true;
            }
        }
    }

    fn push_chars(&mut self, chars: impl Iterator<Item = char>) {
        let mut buf = [0u8; 4];
        for c in chars {
            if is_invisible(c) || is_combining_mark(c) {
                continue;
            }
            if c.is_ascii() {
                self.push_ascii(c.encode_utf8(&mut buf));
            } else if c.is_alphanumeric() && !matches!(c, 'º' | 'ª') {
                self.push_ascii(deunicode::deunicode_char(c).unwrap_or(" "));
            } else {
                self.push_ascii(" ");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_name_cases() {
        assert_eq!(clean_name(""), None);
        assert_eq!(clean_name("  \t\u{a0} "), None);
        assert_eq!(clean_name("\u{200B}"), None);
        assert_eq!(clean_name("  Jean   Pierre  "), Some("Jean Pierre".into()));
        assert_eq!(clean_name("Jean\t\nPierre"), Some("Jean Pierre".into()));
        assert_eq!(clean_name("Jean\u{a0}Pierre"), Some("Jean Pierre".into()));
        // Spelling and case are kept.
        assert_eq!(clean_name("ÉLODIE d'Hôtel"), Some("ÉLODIE d'Hôtel".into()));
        // Decomposed é becomes the precomposed one.
        assert_eq!(clean_name("E\u{301}lodie"), Some("Élodie".into()));
        assert_eq!(clean_name("Jo\u{200B}e\u{301}"), Some("Joé".into()));
    }

    #[test]
    fn fold_key_cases() {
        assert_eq!(fold_key("Élodie  D'Hôtel-Martin"), "elodie d hotel martin");
        assert_eq!(fold_key("  JEAN-PIERRE  "), "jean pierre");
        assert_eq!(fold_key("Jean–Pierre"), "jean pierre");
        assert_eq!(fold_key("d’Artagnan"), "d artagnan");
        assert_eq!(
            fold_key("Œuvre Straße Łódź Ærø"),
            "oeuvre strasse lodz aero"
        );
        assert_eq!(fold_key("Garage N°12"), "garage n 12");
        assert_eq!(fold_key("Nº 5"), "n 5");
        assert_eq!(fold_key("Dupont & Fils, S.A.R.L."), "dupont fils s a r l");
        assert_eq!(fold_key("Zoé 🦄"), "zoe");
        assert_eq!(fold_key(""), "");
        assert_eq!(fold_key("--"), "");
        assert_eq!(fold_key("E\u{301}lodie"), "elodie");
    }

    proptest! {
        #[test]
        fn clean_name_idempotent(raw in "\\PC{0,30}|[ a-zA-Zéèà\u{301}\u{200B}\t'-]{0,30}") {
            if let Some(once) = clean_name(&raw) {
                prop_assert_eq!(clean_name(&once), Some(once.clone()));
                prop_assert_eq!(once.trim(), once.as_str());
            }
        }

        #[test]
        fn clean_name_shortcuts_agree_with_nfc(
            raw in "\\PC{0,30}|[ a-zA-Z0-9éèàœø\u{301}\u{308}\u{200B}\t'.-]{0,30}"
        ) {
            let cleaned = clean_name(&raw);
            prop_assert_eq!(
                cleaned.clone(),
                cleaned.map(|c| c.nfc().collect::<String>())
            );
        }

        #[test]
        fn fold_key_shortcuts_agree_with_nfc_walk(
            raw in "\\PC{0,30}|[ a-zA-Z0-9éèàœø\u{301}\u{308}\u{200B}\t'.-]{0,30}"
        ) {
            // The ASCII and already-NFC paths are shortcuts of this one.
            let mut general = Folding { out: String::new(), pending_space: false };
            general.push_chars(raw.nfc());
            prop_assert_eq!(fold_key(&raw), general.out);
        }

        #[test]
        fn fold_key_idempotent_and_ascii(raw in "\\PC{0,30}") {
            let once = fold_key(&raw);
            prop_assert_eq!(fold_key(&once), once.clone());
            prop_assert!(once.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
            prop_assert!(!once.contains("  ") && once.trim() == once);
        }

        #[test]
        fn fold_key_of_clean_name_is_fold_key(raw in "\\PC{0,30}") {
            let cleaned = clean_name(&raw).unwrap_or_default();
            prop_assert_eq!(fold_key(&cleaned), fold_key(&raw));
        }
    }
}
