//! A phonetic key for French names, for blocking only. In: a folded name
//! (ASCII lowercase, as [`crate::normalise::fold_key`] writes it). Out: a
//! short code that spellings pronounced alike share (`Lefèvre`, `Lefebvre`,
//! `Lefeuvre` are not all equal, but `Lefevre`/`Lefebvre` and
//! `Bertrand`/`Bertran` are).
//!
//! Why not Soundex: it is tuned for English (it keeps `c`/`k`/`q` apart from
//! the French `s` of `ce`/`ci`, and ignores the silent final consonants that
//! French spellings vary on). This is a small rule set in the spirit of
//! Sonnex/Phonex: it rewrites the common French graphemes to one sound each,
//! drops silent letters and collapses doubles. It never decides a match: a
//! pair sharing a code is only compared; the scorer decides.

/// The phonetic code of a folded name; words are joined (a compound name
/// `jean pierre` gives one code). Empty when there is no letter.
pub fn french_phonetic(folded: &str) -> String {
    let s: Vec<u8> = folded.bytes().filter(|b| b.is_ascii_lowercase()).collect();
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let at = |i: usize| s.get(i).copied().unwrap_or(b'\0');
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut i = 0;
    while i < s.len() {
        let (c, n, n2) = (s[i], at(i + 1), at(i + 2));
        let (sound, used): (&[u8], usize) = match (c, n, n2) {
            (b'e', b'a', b'u') => (b"o", 3),
            (b'a', b'u', _) => (b"o", 2),
            (b'o', b'u', _) => (b"u", 2),
            (b'o', b'i', _) | (b'o', b'y', _) => (b"wa", 2),
            (b'a', b'i', _) | (b'e', b'i', _) | (b'a', b'y', _) | (b'e', b'y', _) => (b"e", 2),
            // Nasal vowels: "an", "en", "am", "em" sound alike before a
            // consonant or at the end (Laurent / Lorant).
            (b'a' | b'e', b'n' | b'm', x) if !is_vowel(x) && x != b'n' && x != b'm' => (b"a", 2),
            (b'p', b'h', _) => (b"f", 2),
            (b't', b'h', _) => (b"t", 2),
            (b'c', b'h', _) | (b's', b'h', _) => (b"x", 2),
            (b's', b'c', b'h') => (b"x", 3),
            (b'q', b'u', _) => (b"k", 2),
            (b'g', b'u', x) if is_vowel(x) => (b"g", 2),
            (b'g', b'n', _) => (b"n", 2),
            (b'c', b'k', _) => (b"k", 2),
            (b'c', b'e' | b'i' | b'y', _) => (b"s", 1),
            (b'g', b'e' | b'i' | b'y', _) => (b"j", 1),
            (b'c' | b'q', _, _) => (b"k", 1),
            (b'b', b'v', _) => (b"v", 2),
            (b'y', _, _) => (b"i", 1),
            (b'w', _, _) => (b"v", 1),
            (b'z', _, _) => (b"s", 1),
            (b'h', _, _) => (b"", 1),
            // An `s` between vowels sounds `z`, which we write `s` anyway.
            (x, _, _) => {
                out.push(x);
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(sound);
        i += used;
    }
    // Silent final letters: Bernard / Bernar, Petit / Peti, Dubois / Duboi.
    while out.len() > 2 && matches!(out.last(), Some(b'e' | b's' | b't' | b'x' | b'd' | b'z')) {
        out.pop();
    }
    out.dedup();
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

#[cfg(test)]
mod tests {
    use super::french_phonetic as ph;

    #[test]
    fn spellings_pronounced_alike_share_a_code() {
        assert_eq!(ph("lefevre"), ph("lefebvre"));
        assert_eq!(ph("bertrand"), ph("bertran"));
        assert_eq!(ph("philippe"), ph("filipe"));
        assert_eq!(ph("thomas"), ph("tomas"));
        assert_eq!(ph("gauthier"), ph("gautier"));
        assert_eq!(ph("rousseau"), ph("rousso"));
        assert_eq!(ph("jacques"), ph("jak"));
        assert_eq!(ph("michel"), ph("michelle"));
    }

    #[test]
    fn different_names_keep_different_codes() {
        assert_ne!(ph("martin"), ph("bernard"));
        assert_ne!(ph("durand"), ph("dupont"));
        assert_ne!(ph("marie"), ph("mario"));
    }

    #[test]
    fn empty_and_non_letters_give_an_empty_code() {
        assert_eq!(ph(""), "");
        assert_eq!(ph("123"), "");
    }
}
