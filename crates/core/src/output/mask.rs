//! Masked identities for `rejected.csv` (docs/outputs.md#run-outputs): enough for a person to
//! recognise a record they already know, not enough to contact anyone.

/// A bad cell of an input, for an error message: enough to find it in the
/// file (its first character, its length, an email's domain), not enough
/// to read someone's data off a terminal or a scheduler's log.
pub fn cell(value: &str) -> String {
    let v = value.trim();
    let n = v.chars().count();
    if v.contains('@') {
        return format!("{:?} ({n} characters)", email(v));
    }
    match n {
        0 => "an empty value".into(),
        1..=3 => format!("{v:?}"),
        _ => format!("\"{}***\" ({n} characters)", first_char(v)),
    }
}

/// `jean.dupont@gmail.com` -> `j***@gmail.com`.
pub fn email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}***@{}", first_char(local), domain),
        None => format!("{}***", first_char(address)),
    }
}

/// `+33612345678` -> `+33 6** ** ** 78`; other numbers keep their first
/// three and last two characters.
pub fn phone(e164: &str) -> String {
    let chars: Vec<char> = e164.chars().collect();
    if e164.starts_with("+33") && chars.len() == 12 {
        return format!("+33 {}** ** ** {}{}", chars[3], chars[10], chars[11]);
    }
    if chars.len() <= 5 {
        return "***".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 5))
}

/// (`Jean`, `Dupont`) -> `J. D***`.
pub fn name(first: Option<&str>, last: Option<&str>, full: Option<&str>) -> Option<String> {
    let (first, last) = match (first, last) {
        (None, None) => {
            let full = full?;
            let mut words = full.split_whitespace();
            let a = words.next();
            let b = words.last();
            match b {
                Some(b) => (a, Some(b)),
                None => (None, a),
            }
        }
        other => other,
    };
    Some(match (first, last) {
        (Some(f), Some(l)) => format!(
            "{}. {}***",
            first_char(f).to_uppercase(),
            first_char(l).to_uppercase()
        ),
        (Some(f), None) => format!("{}.", first_char(f).to_uppercase()),
        (None, Some(l)) => format!("{}***", first_char(l).to_uppercase()),
        (None, None) => return None,
    })
}

fn first_char(s: &str) -> String {
    s.chars().next().map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_spec_shows() {
        assert_eq!(email("jean.dupont@gmail.com"), "j***@gmail.com");
        assert_eq!(phone("+33612345678"), "+33 6** ** ** 78");
        // 13 characters: the first three and last two stay, 8 stars between.
        assert_eq!(phone("+590690123456"), "+59********56");
        assert_eq!(name(Some("Jean"), Some("Dupont"), None).unwrap(), "J. D***");
        assert_eq!(name(None, None, Some("élodie martin")).unwrap(), "É. M***");
        assert_eq!(name(None, None, None), None);
    }
}
