//! Normalisation of the identity fields of a prospect record (docs/pipeline.md#normalisation).
//!
//! **What goes in:** one raw cell at a time, as the vendor typed it (`&str`,
//! already transcoded to UTF-8 by the reader), plus, for phones, the region to
//! parse national numbers in (see [`phone::default_region`]).
//!
//! **What comes out:** a canonical value and, where the spec needs one, a
//! classification: [`email::Email`] (address, matching key, registrable domain,
//! corporate/webmail/role/disposable/invalid), [`phone::Phone`] (E.164 and
//! mobile/landline/voip/premium/invalid), a cleaned display name and a folded
//! matching key ([`name`]), ISO 3166-1 alpha-2 country and postcode
//! ([`postal`]), SIREN/SIRET digits with their Luhn verdict ([`company`]), and
//! yes/no/date cell values with a "recognised" flag for the run summary
//! ([`values`]). [`records`] applies these functions column by column to a
//! whole canonical frame.
//!
//! **What it must never do:**
//! - invent data: an empty cell is `None`/unknown, never a default "yes", a
//!   default country code on a number it could not parse, or a guessed digit;
//! - depend on anything but its input: no I/O, no network, no clock, no
//!   global mutable state, no randomness. The reference lists (webmail,
//!   disposable, role addresses) are compiled in, so two runs on the same
//!   input give the same output;
//! - change a value on a second pass: every function is idempotent
//!   (`f(f(x)) == f(x)`), which the property tests in each submodule check.
//!   This matters because outputs are re-read as inputs (client files,
//!   suppression lists produced by a previous run);
//! - alter how a person spells their own name in the outputs: folding
//!   (accents, case, punctuation) is only for the matching keys;
//! - panic on hostile input: every function accepts any `&str`.

pub mod company;
pub mod dates;
pub mod email;
pub mod name;
pub mod phone;
pub mod postal;
pub mod records;
pub mod spill;
pub mod texts;
pub mod values;

pub use company::{normalise_siren, normalise_siret, siren_of_siret, CompanyId};
pub use dates::Dates;
pub use email::{normalise_email, Email, EmailClass};
pub use name::{clean_name, fold_key};
pub use phone::{default_region, normalise_phone, suppression_variants, Phone, PhoneKind, E164};
pub use postal::{is_valid_fr_postcode, normalise_country, normalise_postcode};
pub use texts::Texts;
pub use values::{parse_date, parse_yes_no, YesNo};
