//! The tabular outputs as frames. In: the canonical and normalised list,
//! the links and the decisions. Out: one polars frame per file of the run
//! folder (qualified.csv, `campaign-<channel>.csv`, rejected.csv,
//! decisions.csv, to_delete.csv, vendor-feedback.csv), columns in the
//! documented order (docs/outputs.md); [`crate::pipeline::write`] writes them.
//!
//! Every frame is built for a slice of row indices, so that the writer can
//! build and write a file batch by batch: what a batch costs is bounded by
//! its length, not by the list's.

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::Result;
use crate::link::Links;
use crate::normalise::records::Normalised;
use crate::normalise::YesNo;
use crate::output::cells::{Raw, RawColumn};
use crate::output::ids::RecordIds;
use crate::output::{hex_column, mask, owned_string_column, string_column};
use crate::rules::Decision;
use crate::schema::{Channel, Reason, CANONICAL_COLUMNS, CHANNELS};

fn yes_no_str(v: YesNo) -> Option<&'static str> {
    match v {
        YesNo::Yes => Some("yes"),
        YesNo::No => Some("no"),
        YesNo::Unknown => None,
    }
}

/// qualified.csv: canonical columns (normalised values), then the verdict.
pub(crate) fn qualified_frame(
    raw: &Raw,
    norm: &Normalised,
    decisions: &[Decision],
    ids: &RecordIds,
    rows: &[usize],
    vendor: Option<&str>,
) -> Result<DataFrame> {
    // What may be done with the record comes first, before its data.
    let mut cols: Vec<Column> = vec![
        ids.column("record_id", rows.iter().copied()),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column(
            "audience",
            rows.iter().map(|&i| Some(decisions[i].audience.as_str())),
        ),
        string_column(
            "audience_reason",
            rows.iter().map(|&i| Some(decisions[i].audience_reason)),
        ),
    ];
    for ch in CHANNELS {
        cols.push(Column::new(
            format!("can_{}", ch.as_str()).into(),
            rows.iter()
                .map(|&i| decisions[i].allowed(ch))
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(owned_string_column(
        "contactable_until",
        rows.iter()
            .map(|&i| decisions[i].contactable_until.map(|d| d.to_string()))
            .collect(),
    ));
    let pick = |v: &crate::normalise::Texts| -> Vec<Option<String>> {
        rows.iter().map(|&i| v.get(i).map(str::to_owned)).collect()
    };
    let phone_out =
        |v: &[Option<crate::normalise::Phone>], raw: RawColumn| -> Vec<Option<String>> {
            rows.iter()
                .map(|&i| {
                    v[i].as_ref()
                        .and_then(|p| p.e164.map(|e| e.to_string()))
                        .or(raw.get(i).map(str::to_owned))
                })
                .collect()
        };
    for (name, _) in CANONICAL_COLUMNS {
        let raw = raw.column(name);
        let col = match *name {
            "first_name" => pick(&norm.first_name),
            "last_name" => pick(&norm.last_name),
            "full_name" => pick(&norm.full_name),
            "email" => rows
                .iter()
                .map(|&i| norm.email[i].as_ref().map(|e| e.address().to_owned()))
                .collect(),
            "phone" => phone_out(&norm.phone, raw),
            "mobile" => phone_out(&norm.mobile, raw),
            "fax" => phone_out(&norm.fax, raw),
            "postcode" => rows
                .iter()
                .map(|&i| {
                    norm.postcode
                        .get(i)
                        .map(str::to_owned)
                        .or(raw.get(i).map(str::to_owned))
                })
                .collect(),
            "country" => rows
                .iter()
                .map(|&i| {
                    norm.country
                        .get(i)
                        .map(str::to_owned)
                        .or(raw.get(i).map(str::to_owned))
                })
                .collect(),
            "siren" => rows
                .iter()
                .map(|&i| norm.siren[i].as_ref().map(|s| s.digits.to_string()))
                .collect(),
            "siret" => rows
                .iter()
                .map(|&i| norm.siret[i].as_ref().map(|s| s.digits.to_string()))
                .collect(),
            "collected_at" => rows
                .iter()
                .map(|&i| norm.collected_at.get(i).map(|d| d.to_string()))
                .collect(),
            "last_contact_at" => rows
                .iter()
                .map(|&i| norm.last_contact_at.get(i).map(|d| d.to_string()))
                .collect(),
            "consent_partners" => rows
                .iter()
                .map(|&i| yes_no_str(norm.consent_partners[i]).map(str::to_owned))
                .collect(),
            other => match CHANNELS
                .iter()
                .find(|ch| crate::schema::consent_column(**ch) == other)
            {
                Some(ch) => rows
                    .iter()
                    .map(|&i| yes_no_str(norm.consent[ch.index()][i]).map(str::to_owned))
                    .collect(),
                None => match CHANNELS
                    .iter()
                    .find(|ch| crate::schema::consent_date_column(**ch) == other)
                {
                    Some(ch) => rows
                        .iter()
                        .map(|&i| norm.consent_at[ch.index()].get(i).map(|d| d.to_string()))
                        .collect(),
                    None => rows
                        .iter()
                        .map(|&i| raw.get(i).map(str::to_owned))
                        .collect(),
                },
            },
        };
        // A contact field no allowed channel uses is left empty: whoever
        // loads the file into a campaign tool cannot reach the person on
        // a channel they did not agree to (and it serves no other purpose).
        let col = match contact_channels(name) {
            Some(chs) => col
                .into_iter()
                .zip(rows)
                .map(|(v, &i)| v.filter(|_| chs.iter().any(|ch| decisions[i].allowed(*ch))))
                .collect(),
            None => col,
        };
        cols.push(owned_string_column(name, col));
    }
    for (name, cells) in raw.kept() {
        // A vendor header is a cell too: `@Note` would run in a spreadsheet.
        let header = crate::output::neutralise(name);
        cols.push(string_column(&header, rows.iter().map(|&i| cells.get(i))));
    }
    cols.push(string_column("vendor", rows.iter().map(|_| vendor)));
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The channels that use a contact field of qualified.csv: the field is
/// kept only when one of them is allowed. A mobile takes texts and calls, a
/// landline calls; the street lines are for post (postcode and city stay:
/// they locate the record without reaching the person).
fn contact_channels(column: &str) -> Option<&'static [Channel]> {
    use Channel::*;
    Some(match column {
        "email" => &[Email],
        "mobile" => &[Sms, Phone, Autocall],
        "phone" => &[Phone, Autocall],
        "fax" => &[Fax],
        "address_line1" | "address_line2" => &[Post],
        _ => return None,
    })
}

/// The fields a campaign on a channel needs, after the identity columns.
fn campaign_fields(ch: Channel) -> &'static [&'static str] {
    match ch {
        Channel::Email => &["email"],
        Channel::Sms => &["mobile"],
        Channel::Phone | Channel::Autocall => &["phone", "mobile"],
        Channel::Fax => &["fax"],
        Channel::Post => &[
            "address_line1",
            "address_line2",
            "postcode",
            "city",
            "country",
        ],
    }
}

/// campaign-<channel>.csv: exactly the qualified records allowed on the
/// channel, with what a campaign tool needs and nothing else: who, how to
/// reach them on this channel, on what legal basis (consent with its date
/// and proof, soft opt-in, opt-out) and until when. Taken from the
/// qualified frame (whose denied contact fields are already empty).
pub(crate) fn campaign_frame(
    q: &DataFrame,
    raw: &Raw,
    norm: &Normalised,
    decisions: &[Decision],
    rows: &[usize],
    ch: Channel,
) -> Result<DataFrame> {
    let mask: BooleanChunked = rows.iter().map(|&i| decisions[i].allowed(ch)).collect();
    let picked: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&i| decisions[i].allowed(ch))
        .collect();
    let mut names: Vec<&str> = vec!["record_id", "source_row", "audience"];
    let head = q.filter(&mask)?;
    let proof = raw.column("consent_proof");
    let consent = |i: usize| basis_of(decisions, i, ch) == "consent";
    let extra = [
        string_column(
            "legal_basis",
            picked.iter().map(|&i| Some(basis_of(decisions, i, ch))),
        ),
        string_column(
            "rule",
            picked
                .iter()
                .map(|&i| Some(decisions[i].basis[ch.index()].id())),
        ),
        owned_string_column(
            "consent_at",
            picked
                .iter()
                .map(|&i| {
                    norm.consent_at[ch.index()]
                        .get(i)
                        .filter(|_| consent(i))
                        .map(|d| d.to_string())
                })
                .collect(),
        ),
        string_column(
            "consent_proof",
            picked.iter().map(|&i| proof.get(i).filter(|_| consent(i))),
        ),
    ];
    let mut cols: Vec<Column> = names
        .drain(..)
        .map(|n| head.column(n).cloned())
        .collect::<std::result::Result<_, _>>()?;
    cols.extend(extra);
    let fields = [
        "contactable_until",
        "first_name",
        "last_name",
        "full_name",
        "company_name",
        "job_title",
    ]
    .into_iter()
    .chain(campaign_fields(ch).iter().copied());
    for f in fields {
        cols.push(head.column(f)?.clone());
    }
    Ok(DataFrame::new(picked.len(), cols)?)
}

fn basis_of(decisions: &[Decision], i: usize, ch: Channel) -> &'static str {
    crate::rules::legal_basis(decisions[i].basis[ch.index()].id())
}

/// rejected.csv: who, why, matched ids, masked identity.
pub(crate) fn rejected_frame(
    norm: &Normalised,
    links: &Links,
    decisions: &[Decision],
    ids: &RecordIds,
    rows: &[usize],
    client_ids: Option<&Vec<Option<String>>>,
) -> Result<DataFrame> {
    let reasons: Vec<Option<String>> = rows
        .iter()
        .map(|&i| Some(decisions[i].all_reasons().codes()))
        .collect();
    let matched_client: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            links.client[i].map(|ci| {
                client_ids
                    .and_then(|c| c[ci].clone())
                    .unwrap_or_else(|| format!("clients row {}", ci + 1))
            })
        })
        .collect();
    let email: Vec<Option<String>> = rows
        .iter()
        .map(|&i| norm.email[i].as_ref().map(|e| mask::email(e.address())))
        .collect();
    let phone: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            [&norm.mobile[i], &norm.phone[i], &norm.fax[i]]
                .into_iter()
                .flatten()
                .find_map(|p| p.e164.as_deref())
                .map(mask::phone)
        })
        .collect();
    let name: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            mask::name(
                norm.first_name.get(i),
                norm.last_name.get(i),
                norm.full_name.get(i),
            )
        })
        .collect();
    let cols = vec![
        ids.column("record_id", rows.iter().copied()),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        owned_string_column("reasons", reasons),
        string_column(
            "main_reason",
            rows.iter()
                .map(|&i| decisions[i].main_reason().map(Reason::code)),
        ),
        owned_string_column(
            "channel_reasons",
            rows.iter()
                .map(|&i| Some(decisions[i].channel_reasons()))
                .collect(),
        ),
        ids.column_opt(
            "matched_record_id",
            rows.iter().map(|&i| links.survivor_of[i]),
        ),
        owned_string_column("matched_client_id", matched_client),
        owned_string_column("email_masked", email),
        // Built by us from digits, `+`, `*` and spaces only: nothing a
        // spreadsheet could run, and docs/outputs.md#run-outputs shows it unescaped.
        phone
            .into_iter()
            .collect::<StringChunked>()
            .with_name("phone_masked".into())
            .into_column(),
        owned_string_column("name_masked", name),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// decisions.csv: exactly one row per record and channel, for the records
/// `rows`.
pub(crate) fn decisions_frame(
    decisions: &[Decision],
    ids: &RecordIds,
    rows: &[usize],
) -> Result<DataFrame> {
    let total = rows.len() * CHANNELS.len();
    let mut rid = StringChunkedBuilder::new("record_id".into(), total);
    let mut row = Vec::with_capacity(total);
    let mut channel = StringChunkedBuilder::new("channel".into(), total);
    let mut allowed = Vec::with_capacity(total);
    let mut reason = StringChunkedBuilder::new("reason".into(), total);
    for &i in rows {
        let d = &decisions[i];
        for ch in CHANNELS {
            rid.append_value(ids.get(i).as_str());
            row.push((i + 1) as u64);
            channel.append_value(ch.as_str());
            let r = d.denied[ch.index()];
            allowed.push(r.is_empty());
            if r.is_empty() {
                reason.append_null();
            } else {
                reason.append_value(r.codes());
            }
        }
    }
    let cols = vec![
        rid.finish().into_column(),
        Column::new("source_row".into(), row),
        channel.finish().into_column(),
        Column::new("allowed".into(), allowed),
        reason.finish().into_column(),
    ];
    Ok(DataFrame::new(total, cols)?)
}

/// to_delete.csv: records the buyer must purge rather than keep.
pub(crate) fn to_delete_frame(decisions: &[Decision], ids: &RecordIds) -> Result<DataFrame> {
    let rows: Vec<usize> = (0..decisions.len())
        .filter(|&i| decisions[i].purge.is_some())
        .collect();
    let cols = vec![
        ids.column("record_id", rows.iter().copied()),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column(
            "reason",
            rows.iter().map(|&i| decisions[i].purge.map(Reason::code)),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The records and channels of repermission.csv: allowed today, and the
/// record's freshness window closes within `days` of the as-of date (its
/// `contactable_until`, the last day it may be contacted, is at most
/// `as_of + days`). In source_row order, channels in catalogue order.
pub fn repermission_rows(
    decisions: &[Decision],
    as_of: chrono::NaiveDate,
    days: u32,
) -> Vec<(usize, Channel)> {
    let last = as_of + chrono::Days::new(u64::from(days));
    decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.contactable_until.is_some_and(|u| u >= as_of && u <= last))
        .flat_map(|(i, d)| {
            CHANNELS
                .into_iter()
                .filter(|&ch| d.allowed(ch))
                .map(move |ch| (i, ch))
        })
        .collect()
}

/// repermission.csv: `record_id, source_row, channel, contactable_until,
/// days_left` for [`repermission_rows`].
pub(crate) fn repermission_frame(
    decisions: &[Decision],
    ids: &RecordIds,
    rows: &[(usize, Channel)],
    as_of: chrono::NaiveDate,
) -> Result<DataFrame> {
    let until = |i: usize| decisions[i].contactable_until.expect("chosen with a date");
    let cols = vec![
        ids.column("record_id", rows.iter().map(|&(i, _)| i)),
        Column::new(
            "source_row".into(),
            rows.iter()
                .map(|&(i, _)| (i + 1) as u64)
                .collect::<Vec<_>>(),
        ),
        string_column("channel", rows.iter().map(|&(_, ch)| Some(ch.as_str()))),
        owned_string_column(
            "contactable_until",
            rows.iter()
                .map(|&(i, _)| Some(until(i).to_string()))
                .collect(),
        ),
        Column::new(
            "days_left".into(),
            rows.iter()
                .map(|&(i, _)| (until(i) - as_of).num_days())
                .collect::<Vec<i64>>(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// vendor-feedback.csv: no personal data, only hashes and reasons.
pub(crate) fn feedback_frame(
    norm: &Normalised,
    decisions: &[Decision],
    ids: &RecordIds,
    rows: &[usize],
) -> Result<DataFrame> {
    let h = crate::output::people::sha256;
    // Invalid addresses are hashed too (their key is the trimmed,
    // lowercased cell, the suppression-list form of docs/pipeline.md#inputs): the vendor
    // needs them most, to find the records whose address failed.
    // On both cores, as people.csv's (the order is kept).
    let email: Vec<Option<crate::output::people::Key>> = rows
        .par_iter()
        .map(|&i| norm.email[i].as_ref().map(|e| h(e.key())))
        .collect();
    let phone: Vec<Option<crate::output::people::Key>> = rows
        .par_iter()
        .map(|&i| {
            [&norm.mobile[i], &norm.phone[i]]
                .into_iter()
                .flatten()
                .find_map(|p| p.e164.as_deref())
                .map(h)
        })
        .collect();
    let cols = vec![
        ids.column("record_id", rows.iter().copied()),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        hex_column("email_sha256", email.into_iter()),
        hex_column("phone_sha256", phone.into_iter()),
        owned_string_column(
            "reasons",
            rows.iter()
                .map(|&i| Some(decisions[i].all_reasons().codes()))
                .collect(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}
