//! Email addresses: syntax check, canonical forms and domain classification.
//!
//! The address a person gave is kept as they typed it except for the domain,
//! which is case-insensitive by definition (RFC 5321 §2.4) and is therefore
//! lowercased. The local part is, in theory, case-sensitive, so it is only
//! lowercased in [`Email::key`], the form used for matching and for hashing
//! against suppression lists (the industry hashes trimmed, lowercased
//! addresses; docs/pipeline.md#inputs).
//!
//! Classification uses maintained, vendored lists (see `data/README.md`), not
//! hand-typed ones, with small French addenda.

use std::collections::HashSet;
use std::sync::LazyLock;

use email_address::{EmailAddress, Options};

/// What kind of mailbox an address is, for the email channel rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EmailClass {
    /// A mailbox on a company's own domain.
    Corporate,
    /// A free webmail or ISP mailbox (gmail.com, orange.fr, ...): usually a
    /// private person, even in a B2B list.
    Webmail,
    /// A role mailbox (`contact@`, `accueil@`, ...): nobody in particular.
    Role,
    /// A throwaway mailbox: never worth contacting.
    Disposable,
    /// Not an address that can receive mail.
    Invalid,
}

impl EmailClass {
    /// Stable lowercase name, as written in the outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            EmailClass::Corporate => "corporate",
            EmailClass::Webmail => "webmail",
            EmailClass::Role => "role",
            EmailClass::Disposable => "disposable",
            EmailClass::Invalid => "invalid",
        }
    }
}

/// A normalised email address.
///
/// One allocation per row, 32 bytes beside it (a list of millions of rows
/// keeps one of these per row): the address, then its lowercased key only
/// when it differs (most addresses are already lowercase, and the key is
/// then the address); the domain is always the key's tail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    /// The address, followed by the key when the two differ.
    text: Box<str>,
    /// Length in bytes of the address at the start of `text` (a cell is at
    /// most a few megabytes: the readers refuse bigger ones).
    address_len: u32,
    /// Length in bytes of the domain, at the end of the key.
    domain_len: u32,
    /// Classification; see [`EmailClass`] for the meaning of each value.
    pub class: EmailClass,
}

impl Email {
    fn new(address: String, key: String, domain: &str, class: EmailClass) -> Email {
        debug_assert!(key.ends_with(domain), "{key:?} ends with {domain:?}");
        let address_len = u32::try_from(address.len()).expect("a cell is under 4 GiB");
        let text = if key == address {
            address.into_boxed_str()
        } else {
            let mut t = address;
            t.push_str(&key);
            t.into_boxed_str()
        };
        Email {
            text,
            address_len,
            domain_len: domain.len() as u32,
            class,
        }
    }

    /// Trimmed, domain lowercased (an internationalised domain is kept in its
    /// Unicode form, canonicalised by IDNA); the local part is as typed.
    /// For an invalid address: the trimmed raw value.
    pub fn address(&self) -> &str {
        &self.text[..self.address_len as usize]
    }

    /// The address fully lowercased: the form used for matching and for the
    /// SHA-256/MD5 hashes of suppression lists.
    pub fn key(&self) -> &str {
        let a = self.address_len as usize;
        if a == self.text.len() {
            &self.text
        } else {
            &self.text[a..]
        }
    }

    /// The lowercased registrable domain (public suffix list), e.g.
    /// `orange.fr` for `jean@mail.orange.fr`; the whole domain when the list
    /// has no registrable part (e.g. `gouv.fr`). For an invalid address:
    /// the lowercased text after the last `@`, or empty when there is none.
    pub fn domain(&self) -> &str {
        let key = self.key();
        &key[key.len() - self.domain_len as usize..]
    }
}

/// Normalises and classifies one email cell.
///
/// Returns `None` when the cell is empty or only whitespace (unknown, not
/// invalid). Any other input gives `Some`, with [`EmailClass::Invalid`] when
/// the syntax is wrong or the top-level domain does not exist.
///
/// Class priority is Invalid > Disposable > Role > Webmail > Corporate: the
/// most restrictive verdict wins. Disposable must come before Webmail in
/// particular because the webmail list also merges disposable lists.
pub fn normalise_email(raw: &str) -> Option<Email> {
    let mut trimmed = raw.trim();
    // A cell copied from a web page or an HTML export keeps the link's
    // scheme (`mailto:alice@gmail.com`); the address is what follows.
    if let Some(rest) = trimmed
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("mailto:"))
        .map(|_| trimmed[7..].trim())
    {
        trimmed = rest;
    }
    if trimmed.is_empty() {
        return None;
    }
    Some(parse_valid(trimmed).unwrap_or_else(|| invalid(trimmed)))
}

fn invalid(trimmed: &str) -> Email {
    let key = trimmed.to_lowercase();
    let domain = key.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
    Email::new(trimmed.to_string(), key, &domain, EmailClass::Invalid)
}

/// Parses a trimmed, non-empty address; `None` means invalid.
fn parse_valid(trimmed: &str) -> Option<Email> {
    // Checks email_address lets through but that are typing accidents in a
    // prospect list, never real addresses: a space inside (even a quoted one,
    // `"jean dupont"@x.fr`, is in practice a merged cell), doubled dots (legal
    // only in a quoted local part) and a trailing dot (a sentence's full stop).
    if trimmed.chars().any(char::is_whitespace) || trimmed.contains("..") || trimmed.ends_with('.')
    {
        return None;
    }
    // The last '@' separates the domain: a quoted local part may contain '@'.
    let (local, domain) = trimmed.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let domain_lower = domain.to_lowercase();
    let ascii = ascii_domain(&domain_lower)?;

    // email_address validates the local part (including UTF-8 local parts,
    // RFC 6531) and the domain's label syntax; it knows nothing about IDNA,
    // hence the punycode form here.
    let options = Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    EmailAddress::parse_with_options(&format!("{local}@{ascii}"), options).ok()?;

    // A TLD outside the public suffix list (`.con`, `.local`, `.c`) cannot
    // receive mail. Every real ccTLD and gTLD, including .fr, .bzh, .paris
    // and IDN TLDs, is in the list.
    if !psl::suffix(ascii.as_bytes())?.is_known() {
        return None;
    }
    let registrable_ascii = psl::domain_str(&ascii).unwrap_or(&ascii);

    // Keep the Unicode form in the outputs: the person typed `café.fr`, not
    // `xn--caf-dma.fr`. IDNA's Unicode form is canonical (case-folded, NFC,
    // full-width dots mapped), which also makes this step idempotent.
    let (address_domain, registrable) = if domain_lower.is_ascii() {
        (domain_lower.clone(), registrable_ascii.to_string())
    } else {
        (
            idna::domain_to_unicode(&ascii).0,
            idna::domain_to_unicode(registrable_ascii).0,
        )
    };
    let address = format!("{local}@{address_domain}");
    let key = address.to_lowercase();
    let class = classify(local, &ascii, registrable_ascii);
    // IDNA maps each label on its own, so the registrable domain's Unicode
    // form is the tail of the address's, which `domain()` relies on; were it
    // ever not, the ASCII forms (of which it always is) are kept instead.
    if !key.ends_with(registrable.as_str()) {
        let address = format!("{local}@{ascii}");
        let key = address.to_lowercase();
        return Some(Email::new(address, key, registrable_ascii, class));
    }
    Some(Email::new(address, key, &registrable, class))
}

/// The ASCII (punycode) form of a lowercased domain, or `None` when it is not
/// a valid host name.
fn ascii_domain(domain_lower: &str) -> Option<String> {
    // Fast path for the overwhelmingly common case: plain LDH labels and no
    // punycode to check. Hyphen placement is checked by email_address.
    let plain = domain_lower
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if plain && !domain_lower.contains("xn--") {
        return Some(domain_lower.to_string());
    }
    // Strict (STD3) rules: rejects underscores, symbols and malformed
    // punycode, none of which can be a mail domain.
    idna::domain_to_ascii_strict(domain_lower).ok()
}

fn classify(local: &str, ascii: &str, registrable_ascii: &str) -> EmailClass {
    // Disposable: the full domain and every parent down to the registrable
    // domain, so `x.yopmail.com` is caught too. (mailchecker's own check
    // goes up to the TLD; stopping at the registrable domain keeps a list
    // entry that is itself a public suffix from flagging a whole zone.)
    let mut candidate = ascii;
    loop {
        if DISPOSABLE.contains(candidate) {
            return EmailClass::Disposable;
        }
        if candidate.len() <= registrable_ascii.len() {
            break;
        }
        match candidate.split_once('.') {
            Some((_, parent)) => candidate = parent,
            None => break,
        }
    }
    // Webmail before role: `contact@gmail.com` is one person's mailbox at a
    // consumer provider, not a company's generic address, and reading it as
    // a role address would put a consumer under the B2B opt-out rule.
    if WEBMAIL.contains(ascii) || WEBMAIL.contains(registrable_ascii) {
        return EmailClass::Webmail;
    }
    // Role: `contact+salon2026@` is still the contact mailbox, so the
    // sub-address tag is dropped before the lookup.
    let local_lower = local.to_lowercase();
    let base = local_lower.split('+').next().unwrap_or_default();
    if ROLE.contains(base) {
        return EmailClass::Role;
    }
    EmailClass::Corporate
}

fn load(lists: &[&'static str]) -> HashSet<&'static str> {
    lists
        .iter()
        .flat_map(|list| list.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// mailchecker's blacklist, loaded once: its own `is_valid` scans the ~56k
/// entries linearly for every suffix, far too slow for millions of rows.
static DISPOSABLE: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| mailchecker::blacklist().into_iter().collect());

static WEBMAIL: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    load(&[
        include_str!("data/free_email_domains.txt"),
        include_str!("data/free_email_domains_fr_addendum.txt"),
    ])
});

static ROLE: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    load(&[
        include_str!("data/role_local_parts.txt"),
        include_str!("data/role_local_parts_fr_addendum.txt"),
    ])
});

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn class(raw: &str) -> EmailClass {
        normalise_email(raw).unwrap().class
    }

    #[test]
    fn mailto_prefix_is_dropped() {
        for raw in ["mailto:alice@gmail.com", "MAILTO: alice@gmail.com"] {
            let e = normalise_email(raw).unwrap();
            assert_eq!(e.address(), "alice@gmail.com", "{raw}");
            assert_ne!(e.class, EmailClass::Invalid, "{raw}");
        }
        assert_eq!(normalise_email("mailto:"), None);
    }

    #[test]
    fn empty_is_unknown() {
        assert_eq!(normalise_email(""), None);
        assert_eq!(normalise_email("   \t "), None);
    }

    #[test]
    fn trims_and_lowercases_domain_only() {
        let e = normalise_email("  Jean.Dupont@ACME-Industrie.FR ").unwrap();
        assert_eq!(e.address(), "Jean.Dupont@acme-industrie.fr");
        assert_eq!(e.key(), "jean.dupont@acme-industrie.fr");
        assert_eq!(e.domain(), "acme-industrie.fr");
        assert_eq!(e.class, EmailClass::Corporate);
        // Already lowercase: the key is the address, not a second copy.
        let e = normalise_email("jean.dupont@acme.fr").unwrap();
        assert_eq!(
            (e.address(), e.key()),
            ("jean.dupont@acme.fr", "jean.dupont@acme.fr")
        );
        assert_eq!(e.text.len(), e.address().len());
        // An invalid address lowercased to a longer key (`İ` is 2 bytes, its
        // lowercase 3) keeps both whole.
        let e = normalise_email("İ@@X").unwrap();
        assert_eq!(e.class, EmailClass::Invalid);
        assert_eq!((e.address(), e.key(), e.domain()), ("İ@@X", "i̇@@x", "x"));
    }

    #[test]
    fn a_row_costs_32_bytes_beside_its_text() {
        // Millions of rows keep one each (it was 48).
        assert_eq!(std::mem::size_of::<Option<Email>>(), 32);
    }

    #[test]
    fn registrable_domain() {
        let e = normalise_email("a.b@mail.Sales.Acme.co.uk").unwrap();
        assert_eq!(e.domain(), "acme.co.uk");
        assert_eq!(
            normalise_email("x@interieur.gouv.fr").unwrap().domain(),
            "interieur.gouv.fr"
        );
        // A bare public suffix has no registrable part: the domain itself.
        let e = normalise_email("x@gouv.fr").unwrap();
        assert_eq!(e.domain(), "gouv.fr");
        assert_ne!(e.class, EmailClass::Invalid);
    }

    #[test]
    fn invalid_syntax() {
        for raw in [
            "jean.dupont",
            "jean@",
            "@acme.fr",
            "jean@acme",
            "jean dupont@acme.fr",
            "jean@acme .fr",
            "jean@acme.fr.",
            "jean..dupont@acme.fr",
            "jean@acme..fr",
            "jean@[192.168.0.1]",
            "Jean <jean@acme.fr>",
            "jean@acme.c",
            "jean@acme.123",
            "jean@acme.con",
            "jean@acme.local",
            "jean@ac_me.fr",
            "jean@-acme.fr",
            "jean@@acme.fr",
            "jean@acme.fr;paul@acme.fr",
        ] {
            let e = normalise_email(raw).unwrap();
            assert_eq!(e.class, EmailClass::Invalid, "{raw}");
        }
        let e = normalise_email("  Jean@ACME ").unwrap();
        assert_eq!(e.address(), "Jean@ACME");
        assert_eq!(e.key(), "jean@acme");
        assert_eq!(e.domain(), "acme");
        assert_eq!(normalise_email("nothing").unwrap().domain(), "");
    }

    #[test]
    fn legit_tlds_are_not_rejected() {
        for raw in [
            "a@b.fr",
            "a@b.com",
            "a@b.bzh",
            "a@b.paris",
            "a@b.alsace",
            "a@b.corsica",
            "a@b.re",
            "a@b.gp",
            "a@b.mq",
            "a@b.yt",
            "a@b.gf",
            "a@b.nc",
            "a@b.pf",
            "a@b.be",
            "a@b.ch",
            "a@b.lu",
            "a@b.mc",
            "a@b.eu",
            "a@b.org",
            "a@b.net",
            "a@b.io",
            "a@b.co.uk",
            "a@b.com.au",
            "a@b.xn--p1ai",
        ] {
            assert_ne!(class(raw), EmailClass::Invalid, "{raw}");
        }
    }

    #[test]
    fn idn_domain_keeps_unicode() {
        let e = normalise_email("Élodie@CAFÉ.fr").unwrap();
        assert_eq!(e.address(), "Élodie@café.fr");
        assert_eq!(e.key(), "élodie@café.fr");
        assert_eq!(e.domain(), "café.fr");
        assert_eq!(e.class, EmailClass::Corporate);
        // Decomposed input gets the canonical (NFC) form.
        let e = normalise_email("a@cafe\u{301}.fr").unwrap();
        assert_eq!(e.address(), "a@café.fr");
        // Typed punycode stays as typed.
        let e = normalise_email("a@XN--CAF-DMA.fr").unwrap();
        assert_eq!(e.address(), "a@xn--caf-dma.fr");
        assert_eq!(e.domain(), "xn--caf-dma.fr");
        // Malformed punycode is invalid.
        assert_eq!(class("a@xn--zz-.fr"), EmailClass::Invalid);
    }

    #[test]
    fn webmail() {
        for raw in [
            "jean@gmail.com",
            "jean@hotmail.fr",
            "jean@yahoo.fr",
            "jean@outlook.fr",
            "jean@orange.fr",
            "jean@wanadoo.fr",
            "jean@free.fr",
            "jean@sfr.fr",
            "jean@neuf.fr",
            "jean@laposte.net",
            "jean@bbox.fr",
            "jean@numericable.fr",
            "jean@club-internet.fr",
            "jean@aliceadsl.fr",
            "jean@cegetel.net",
            "jean@noos.fr",
            "jean@9online.fr",
            "jean@libertysurf.fr",
            "jean@tele2.fr",
            "jean@voila.fr",
            "jean@gmx.fr",
            "Jean@GMail.com",
            "jean.dupont+news@gmail.com",
        ] {
            assert_eq!(class(raw), EmailClass::Webmail, "{raw}");
        }
    }

    #[test]
    fn disposable() {
        for raw in [
            "x@yopmail.com",
            "x@mailinator.com",
            "x@guerrillamail.com",
            "x@sub.yopmail.com",
        ] {
            assert_eq!(class(raw), EmailClass::Disposable, "{raw}");
        }
        // Disposable beats role.
        assert_eq!(class("contact@yopmail.com"), EmailClass::Disposable);
    }

    #[test]
    fn role() {
        for raw in [
            "contact@acme.fr",
            "Contact@acme.fr",
            "info@acme.fr",
            "infos@acme.fr",
            "accueil@acme.fr",
            "secretariat@acme.fr",
            "facturation@acme.fr",
            "devis@acme.fr",
            "compta@acme.fr",
            "comptabilite@acme.fr",
            "rh@acme.fr",
            "direction@acme.fr",
            "commercial@acme.fr",
            "admin@acme.fr",
            "service-client@acme.fr",
            "serviceclient@acme.fr",
            "sav@acme.fr",
            "reception@acme.fr",
            "standard@acme.fr",
            "mairie@ville.fr",
            "bonjour@acme.fr",
            "hello@acme.fr",
            "noreply@acme.fr",
            "contact+salon@acme.fr",
        ] {
            assert_eq!(class(raw), EmailClass::Role, "{raw}");
        }
        // Webmail beats role: a mailbox at a consumer provider is a person's,
        // and the consumer rules are the stricter reading.
        assert_eq!(class("contact@gmail.com"), EmailClass::Webmail);
        assert_eq!(class("jean.dupont@acme.fr"), EmailClass::Corporate);
        assert_eq!(class("contact.jean@acme.fr"), EmailClass::Corporate);
    }

    #[test]
    fn class_names() {
        assert_eq!(EmailClass::Corporate.as_str(), "corporate");
        assert_eq!(EmailClass::Webmail.as_str(), "webmail");
        assert_eq!(EmailClass::Role.as_str(), "role");
        assert_eq!(EmailClass::Disposable.as_str(), "disposable");
        assert_eq!(EmailClass::Invalid.as_str(), "invalid");
    }

    #[test]
    fn vendored_lists_loaded() {
        assert!(WEBMAIL.len() > 14_000);
        assert!(ROLE.len() > 1_000);
        assert!(DISPOSABLE.len() > 10_000);
        // The common French webmails must never be flagged disposable.
        for d in [
            "gmail.com",
            "orange.fr",
            "free.fr",
            "laposte.net",
            "sfr.fr",
            "wanadoo.fr",
        ] {
            assert!(!DISPOSABLE.contains(d), "{d}");
        }
    }

    fn check_idempotent(raw: &str) {
        if let Some(first) = normalise_email(raw) {
            let second = normalise_email(first.address()).expect("non-empty stays non-empty");
            assert_eq!(first, second, "raw={raw:?}");
            // The key is a fixed point too: hashing it twice must not drift.
            let from_key = normalise_email(first.key()).unwrap();
            assert_eq!(from_key.key(), first.key());
        }
    }

    proptest! {
        #[test]
        fn idempotent_plausible(raw in "[ ]{0,2}[a-zA-Zé0-9._+\"-]{0,10}@?[a-zA-ZÉé0-9._-]{0,10}\\.(fr|com|bzh|FR|Com|yopmail\\.com|co\\.uk|c|xn--p1ai)[ .]{0,2}") {
            check_idempotent(&raw);
        }

        #[test]
        fn idempotent_any(raw in "\\PC{0,40}") {
            check_idempotent(&raw);
        }
    }
}
