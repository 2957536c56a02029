//! Stage 3, link and dedupe. In: the normalised list, what linking needs of
//! the client file ([`LinkInputs`], gathered batch by batch as it is read)
//! and the suppression lists. Out: [`Links`]: for every list row, the
//! survivor it duplicates (if any), the client it matches (if any), the
//! channels objected to, and what the rest of its cluster binds it to.
//!
//! Matching here is exact, on keys built from normalised fields. The keys
//! are chosen so that one key means one person: an email (a shared role
//! address such as `contact@` only together with the name), a mobile number,
//! a landline only together with the full name (a household or a company
//! switchboard is shared), a SIRET only together with the name (a SIRET is an
//! establishment, not a person). Fuzzy matching ([`fuzzy`]) then adds
//! scored pairs to the same union-find and links the rows no key matched
//! to the client file.
//!
//! This stage decides nothing about contactability; it never drops a row.

pub mod fuzzy;
pub mod phonetic;
pub mod suppression;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::normalise::records::{ClientFields, Normalised};
use crate::normalise::{EmailClass, PhoneKind, YesNo};
use crate::schema::CHANNELS;
pub use suppression::Suppression;

/// A set of channels as a bit mask (bit = [`crate::schema::Channel::index`]).
pub type ChannelMask = u8;
pub const ALL_CHANNELS: ChannelMask = 0b11_1111;

/// Which key linked two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Email,
    Phone,
    Siret,
    NameAddress,
    /// A scored fuzzy match (names, address, partial identifiers).
    Fuzzy,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Email => "email",
            KeyKind::Phone => "phone",
            KeyKind::Siret => "siret",
            KeyKind::NameAddress => "name_postcode",
            KeyKind::Fuzzy => "fuzzy",
        }
    }
}

/// An exact matching key: 128 bits of XXH3 of its text (`email`,
/// `email|name`, `+33612345678`, `phone|name`, `siret|name`), so that a
/// record's keys are a few integers, not strings. Two different texts
/// share a hash with a chance of about n² / 2¹²⁹: below 10⁻²⁴ for the
/// keys of a 10M-row list and its client file.
pub type KeyHash = u128;

/// Calls `f` with each exact matching key of record `i`, tagged with its
/// kind, in a fixed order (email, mobile, phone, SIRET).
pub fn for_each_key(n: &Normalised, i: usize, mut f: impl FnMut(KeyKind, KeyHash)) {
    let name = n.name_key.get(i).unwrap_or("");
    let with_name = |key: &str| {
        let mut h = xxhash_rust::xxh3::Xxh3Default::new();
        h.update(key.as_bytes());
        h.update(b"|");
        h.update(name.as_bytes());
        h.digest128()
    };
    if let Some(e) = &n.email[i] {
        match e.class {
            EmailClass::Invalid => {}
            EmailClass::Role => f(KeyKind::Email, with_name(e.key())),
            _ => f(
                KeyKind::Email,
                xxhash_rust::xxh3::xxh3_128(e.key().as_bytes()),
            ),
        }
    }
    for p in [&n.mobile[i], &n.phone[i]].into_iter().flatten() {
        let Some(e164) = &p.e164 else { continue };
        match p.kind {
            PhoneKind::Mobile => f(
                KeyKind::Phone,
                xxhash_rust::xxh3::xxh3_128(e164.as_str().as_bytes()),
            ),
            PhoneKind::Invalid => {}
            // A landline is the household's: measured on the linkage
            // generator, "landline + last name" merged spouses and children
            // (precision 0.87); the full name keeps them apart, and fuzzy
            // matching recovers the spelling variants.
            _ => f(KeyKind::Phone, with_name(e164.as_str())),
        }
    }
    if let Some(s) = n.siret[i].as_ref().filter(|s| s.valid) {
        f(KeyKind::Siret, with_name(&s.digits));
    }
}

/// Every record's keys, row after row (at most four a record).
struct Keys {
    /// Record `i`'s keys are `kind[start[i]..start[i + 1]]` (and `hash`).
    start: Vec<u32>,
    kind: Vec<KeyKind>,
    hash: Vec<KeyHash>,
}

impl Keys {
    /// Made on every core, a stretch of rows each, then joined in order.
    fn of(n: &Normalised) -> Keys {
        const STRETCH: usize = 1 << 16;
        let parts: Vec<(Vec<u32>, Vec<KeyKind>, Vec<KeyHash>)> = (0..n.rows.div_ceil(STRETCH))
            .into_par_iter()
            .map(|c| {
                let rows = c * STRETCH..((c + 1) * STRETCH).min(n.rows);
                let (mut counts, mut kind, mut hash) =
                    (Vec::with_capacity(rows.len()), Vec::new(), Vec::new());
                for i in rows {
                    let before = kind.len();
                    for_each_key(n, i, |k, h| {
                        kind.push(k);
                        hash.push(h);
                    });
                    counts.push((kind.len() - before) as u32);
                }
                (counts, kind, hash)
            })
            .collect();
        let total: usize = parts.iter().map(|p| p.1.len()).sum();
        let mut keys = Keys {
            start: Vec::with_capacity(n.rows + 1),
            kind: Vec::with_capacity(total),
            hash: Vec::with_capacity(total),
        };
        let mut at = 0u32;
        keys.start.push(0);
        for (counts, kind, hash) in parts {
            for c in counts {
                at += c;
                keys.start.push(at);
            }
            keys.kind.extend(kind);
            keys.hash.extend(hash);
        }
        keys
    }

    fn rows(&self) -> usize {
        self.start.len() - 1
    }

    /// Every key as `(hash, row, place in hash)`, sorted: equal keys are
    /// neighbours, in row order. A sort on every core rather than a hash
    /// map filled row by row: at a million rows the map's random reads and
    /// writes were half a second on one core.
    fn sorted(&self) -> Vec<(KeyHash, u32, u32)> {
        let mut v: Vec<(KeyHash, u32, u32)> = (0..self.rows())
            .into_par_iter()
            .flat_map_iter(|i| {
                (self.start[i]..self.start[i + 1])
                    .map(move |k| (self.hash[k as usize], i as u32, k))
            })
            .collect();
        v.par_sort_unstable();
        v
    }
}

/// What the link stage needs besides the list's normalised rows, gathered
/// as the files are read: of the client file, its exact keys and (for
/// fuzzy matching) its records encoded, batch by batch, so that its
/// normalised rows are never held whole (half a gigabyte at a million
/// clients, which sat under the matcher's peak); of the list, its records
/// encoded. Encoded in the order the link stage used to encode them (the
/// list, then the client file), the codes and so every decision are the
/// same.
pub struct LinkInputs {
    list_rows: usize,
    /// None: no client file.
    client: Option<ClientKeys>,
    /// None: fuzzy matching is off.
    fuzzy: Option<fuzzy::Sides>,
}

impl LinkInputs {
    /// The inputs of linking `list`, before any client row.
    pub fn new(list: &Normalised, settings: &fuzzy::FuzzySettings) -> LinkInputs {
        LinkInputs {
            list_rows: list.rows,
            client: None,
            fuzzy: settings.enabled.then(|| fuzzy::Sides::new(list)),
        }
    }

    /// The inputs with a whole client file, if any (tests; a caller that
    /// holds the client file whole anyway).
    pub fn whole(
        list: &Normalised,
        clients: Option<&Normalised>,
        settings: &fuzzy::FuzzySettings,
    ) -> LinkInputs {
        let mut inputs = LinkInputs::new(list, settings);
        if let Some(c) = clients {
            inputs.add_clients(c);
        }
        inputs
    }

    /// Adds the next batch of the client file (its rows follow those of
    /// the batches added before): a client file with no rows is still a
    /// client file.
    pub fn add_clients(&mut self, batch: &Normalised) {
        let keys = self.client.get_or_insert_with(ClientKeys::default);
        keys.add(batch);
        if let Some(sides) = self.fuzzy.as_mut() {
            sides.add_clients(batch);
        }
    }
}

/// Every key of the client file with the client row it belongs to.
#[derive(Default)]
struct ClientKeys {
    rows: usize,
    keys: Vec<(KeyHash, u32)>,
}

impl ClientKeys {
    fn add(&mut self, batch: &Normalised) {
        let keys = Keys::of(batch);
        for i in 0..keys.rows() {
            let row = (self.rows + i) as u32;
            let own = keys.start[i] as usize..keys.start[i + 1] as usize;
            self.keys.extend(keys.hash[own].iter().map(|&h| (h, row)));
        }
        self.rows += batch.rows;
    }

    /// Each key once, with the lowest client row that has it, sorted.
    fn sorted(self) -> Vec<(KeyHash, u32)> {
        let mut keys = self.keys;
        keys.par_sort_unstable();
        keys.dedup_by_key(|x| x.0);
        keys
    }
}

/// In [`link`]'s table of client hits: no client has this key.
const NO_CLIENT: u32 = u32::MAX;

/// The kinds and hashes of record `i`'s keys.
fn key_list(n: &Normalised, i: usize) -> Vec<(KeyKind, KeyHash)> {
    let mut v = Vec::with_capacity(4);
    for_each_key(n, i, |k, h| v.push((k, h)));
    v
}

/// Union-find with path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let p = self.parent[x] as usize;
            self.parent[x] = self.parent[p];
            x = self.parent[x] as usize;
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
    }
}

/// The link stage's result, by list row.
#[derive(Debug, Default)]
pub struct Links {
    /// `Some(s)`: this row is a duplicate and row `s` survives its cluster.
    pub survivor_of: Vec<Option<usize>>,
    /// Key that put the row in its cluster (for duplicates).
    pub duplicate_key: Vec<Option<KeyKind>>,
    /// Matched client row, if any.
    pub client: Vec<Option<usize>>,
    pub client_key: Vec<Option<KeyKind>>,
    /// Channels objected to: suppression lists, the matched client's
    /// objections, and those of every record of the cluster.
    pub opposed: Vec<ChannelMask>,
    /// Channels some record of the cluster said `no` to.
    pub cluster_no: Vec<ChannelMask>,
    /// Some record of the cluster refused the transfer to partners.
    pub cluster_partners_no: Vec<bool>,
    /// Number of clusters with more than one record.
    pub clusters: usize,
    /// Scored fuzzy pairs (for matches.csv and the summary).
    pub fuzzy: fuzzy::FuzzyLinks,
}

/// Links the list: dedupe inside it, match the client file, apply the
/// suppression lists. `labels` are a person's answers about fuzzy pairs
/// (`--labels`, resolved to rows), which override the model's decisions.
///
/// The client file's normalised rows are freed as soon as they are encoded
/// for fuzzy matching when they are given owned (a run needs them no
/// further); borrowed, they stay the caller's.
pub fn link(
    list: &Normalised,
    inputs: LinkInputs,
    client_fields: Option<&ClientFields>,
    suppression: &Suppression,
    fuzzy_settings: &fuzzy::FuzzySettings,
    labels: &[fuzzy::Label],
) -> Links {
    let objections = client_fields.map(client_objections);
    let objections = objections.as_deref();
    let exact = link_exact(link_list(list, suppression), inputs, objections);
    let linked = link_fuzzy(exact, objections, suppression, fuzzy_settings, labels);
    clusters(list, linked)
}

/// What [`link`] has found between its steps: the clusters of the exact
/// keys (then of the fuzzy pairs too), each row's client and the channels
/// objected to. The steps in between ([`link_exact`], [`link_fuzzy`]) read
/// none of the list's normalised rows, so a run may park them on disk
/// meanwhile ([`crate::normalise::spill`]), while the client file is read
/// and the matcher runs.
pub struct Linking {
    n: usize,
    uf: UnionFind,
    via: Vec<Option<KeyKind>>,
    opposed: Vec<ChannelMask>,
    client: Vec<Option<usize>>,
    client_key: Vec<Option<KeyKind>>,
    /// The fuzzy matcher's encoded records, until it runs.
    sides: Option<fuzzy::Sides>,
    fuzzy: fuzzy::FuzzyLinks,
}

/// The list's exact links, made before the client file is read: its keys
/// sorted, the clusters they make, the suppression lists' objections.
pub struct ListLinks {
    n: usize,
    /// Row `i`'s keys are `kind[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    kind: Vec<KeyKind>,
    /// Every key's hash, sorted, and its place in `kind`: two columns
    /// rather than `(hash, row, place)` tuples, 20 bytes a key instead of
    /// 32 (a hash aligns a tuple to 16 bytes); they are held while the
    /// client file is read, about 0.8 GB of tuples at 10M rows.
    sorted: Vec<KeyHash>,
    place: Vec<u32>,
    uf: UnionFind,
    via: Vec<Option<KeyKind>>,
    opposed: Vec<ChannelMask>,
}

/// The first step of [`link`], the one that reads the list's rows before
/// the clusters: its exact keys joined inside the list, and the
/// suppression lists applied.
pub fn link_list(list: &Normalised, suppression: &Suppression) -> ListLinks {
    let n = list.rows;
    let keys = Keys::of(list);
    debug_assert_eq!(keys.rows(), n);

    // Dedupe: every key seen twice joins its rows. Each later occurrence
    // of a key (in row order, then the row's key order) joins the key's
    // first row, in the order a pass over the rows would make the unions,
    // so the union-find comes out the same; a row's key is the kind of the
    // first of its keys seen before.
    let mut uf = UnionFind::new(n);
    let mut via: Vec<Option<KeyKind>> = vec![None; n];
    let sorted = keys.sorted();
    let mut repeats: Vec<(u32, u32, u32)> = sorted
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.len() > 1)
        .flat_map(|group| {
            let first = group[0].1;
            group[1..].iter().map(move |&(_, row, k)| (k, row, first))
        })
        .collect();
    repeats.par_sort_unstable();
    for (k, i, first) in repeats {
        uf.union(i as usize, first as usize);
        via[i as usize].get_or_insert(keys.kind[k as usize]);
    }

    // Opposition from the suppression lists, row by row.
    let opposed: Vec<ChannelMask> = (0..n)
        .into_par_iter()
        .map(|i| suppression.opposed(list, i))
        .collect();
    let Keys { start, kind, .. } = keys;
    let (sorted, place) = sorted.into_iter().map(|(h, _, k)| (h, k)).unzip();
    ListLinks {
        n,
        start,
        kind,
        sorted,
        place,
        uf,
        via,
        opposed,
    }
}

/// The second step of [`link`]: the list's keys matched to the client
/// file's (gathered in `inputs` as it was read). `client_objections`: each
/// client's ([`client_objections`]), when there is a client file.
pub fn link_exact(
    mut list: ListLinks,
    inputs: LinkInputs,
    client_objections: Option<&[ChannelMask]>,
) -> Linking {
    let n = list.n;
    assert_eq!(inputs.list_rows, n, "the inputs are this list's");
    let LinkInputs {
        client: client_keys,
        fuzzy: sides,
        ..
    } = inputs;

    // The client file: each list key's client is the lowest client row
    // with that key, found by a merge of the two sorted key lists; a row's
    // client is that of the first of its keys that has one.
    let mut client = vec![None; n];
    let mut client_key = vec![None; n];
    if let (Some(theirs), Some(objected)) = (client_keys.map(ClientKeys::sorted), client_objections)
    {
        let mut hit = vec![NO_CLIENT; list.kind.len()];
        let mut at = 0;
        for (&h, &k) in list.sorted.iter().zip(&list.place) {
            // Both are sorted: the merge only moves forward.
            while theirs.get(at).is_some_and(|x| x.0 < h) {
                at += 1;
            }
            match theirs.get(at) {
                Some(&(th, ci)) if th == h => hit[k as usize] = ci,
                Some(_) => {}
                None => break,
            }
        }
        drop(theirs);
        let (start, kind) = (&list.start, &list.kind);
        let found: Vec<Option<(KeyKind, usize)>> = (0..n)
            .into_par_iter()
            .map(|i| {
                (start[i]..start[i + 1]).find_map(|k| {
                    let ci = hit[k as usize];
                    (ci != NO_CLIENT).then(|| (kind[k as usize], ci as usize))
                })
            })
            .collect();
        for (i, hit) in found.into_iter().enumerate() {
            if let Some((kind, ci)) = hit {
                client[i] = Some(ci);
                client_key[i] = Some(kind);
                list.opposed[i] |= objected[ci];
            }
        }
    }

    // The keys are not kept through fuzzy matching, the stage that needs
    // the most memory (the kind a duplicate shares with its survivor is
    // found again at the end, for duplicates only): they go with `list`,
    // on return.
    Linking {
        n,
        uf: list.uf,
        via: list.via,
        opposed: list.opposed,
        client,
        client_key,
        sides,
        fuzzy: fuzzy::FuzzyLinks::default(),
    }
}

/// The third step of [`link`]: fuzzy matching, on what the exact keys
/// left apart, from the records encoded in [`LinkInputs`] (the list's
/// normalised rows are not read).
pub fn link_fuzzy(
    mut linking: Linking,
    client_objections: Option<&[ChannelMask]>,
    suppression: &Suppression,
    fuzzy_settings: &fuzzy::FuzzySettings,
    labels: &[fuzzy::Label],
) -> Linking {
    let l = &mut linking;
    let (fuzzy_links, fuzzy_client, fuzzy_opposed) = fuzzy::link_fuzzy(
        fuzzy_settings,
        l.n,
        l.sides.take(),
        &mut l.uf,
        &l.client,
        &suppression.postal_people,
        labels,
    );
    for (o, f) in l.opposed.iter_mut().zip(fuzzy_opposed) {
        *o |= f;
    }
    for p in &fuzzy_links.pairs {
        if p.kind == fuzzy::PairKind::Duplicate && p.decision == fuzzy::Decision::Match {
            l.via[p.row].get_or_insert(KeyKind::Fuzzy);
            l.via[p.other].get_or_insert(KeyKind::Fuzzy);
        }
    }
    if let Some(objected) = client_objections {
        for (i, ci) in fuzzy_client.into_iter().enumerate() {
            if let Some(ci) = ci {
                l.client[i] = Some(ci);
                l.client_key[i] = Some(KeyKind::Fuzzy);
                l.opposed[i] |= objected[ci];
            }
        }
    }
    l.fuzzy = fuzzy_links;
    linking
}

/// The last step of [`link`], which reads the list's rows again: the
/// clusters' survivors, each bound to its whole cluster's objections and
/// refusals (fail closed).
pub fn clusters(list: &Normalised, linking: Linking) -> Links {
    let Linking {
        n,
        mut uf,
        via,
        mut opposed,
        mut client,
        mut client_key,
        fuzzy: fuzzy_links,
        ..
    } = linking;
    assert_eq!(list.rows, n, "the rows linked are this list's");
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = uf.find(i);
        if r != i || uf.size[r] > 1 {
            members.entry(r).or_default().push(i);
        }
    }
    let mut survivor_of = vec![None; n];
    let mut duplicate_key = vec![None; n];
    let mut cluster_no: Vec<ChannelMask> = (0..n).map(|i| no_mask(list, i)).collect();
    let mut cluster_partners_no: Vec<bool> = list
        .consent_partners
        .iter()
        .map(|c| *c == YesNo::No)
        .collect();
    let mut clusters = 0;
    for rows in members.values() {
        if rows.len() < 2 {
            continue;
        }
        clusters += 1;
        let survivor = *rows
            .iter()
            .max_by(|&&a, &&b| {
                survivor_rank(list, a)
                    .cmp(&survivor_rank(list, b))
                    .then(b.cmp(&a))
            })
            .expect("cluster is not empty");
        let opp = rows.iter().fold(0, |m, &r| m | opposed[r]);
        let no = rows.iter().fold(0, |m, &r| m | cluster_no[r]);
        let pno = rows.iter().any(|&r| cluster_partners_no[r]);
        // The records of one person are all that client when one of them
        // matched it (the lowest client row when they matched several).
        let cluster_client = rows
            .iter()
            .filter_map(|&r| client[r].map(|c| (c, client_key[r])))
            .min_by_key(|(c, _)| *c);
        for &r in rows {
            if let (None, Some((c, k))) = (client[r], cluster_client) {
                client[r] = Some(c);
                client_key[r] = k;
            }
            opposed[r] = opp;
            cluster_no[r] = no;
            cluster_partners_no[r] = pno;
            if r != survivor {
                survivor_of[r] = Some(survivor);
                duplicate_key[r] = via[r].or(via[survivor]).or(Some(KeyKind::Email));
            }
        }
    }
    // A duplicate's key: the kind it shares with its survivor when known.
    for i in 0..n {
        if let Some(s) = survivor_of[i] {
            let theirs = key_list(list, s);
            if let Some(k) = key_list(list, i)
                .iter()
                .find(|(_, k)| theirs.iter().any(|(_, ks)| ks == k))
            {
                duplicate_key[i] = Some(k.0);
            }
        }
    }

    Links {
        survivor_of,
        duplicate_key,
        client,
        client_key,
        opposed,
        cluster_no,
        cluster_partners_no,
        clusters,
        fuzzy: fuzzy_links,
    }
}

/// The channels each client objected to, by client row: all that the
/// link stage reads of the client file's own columns, so that they can
/// wait elsewhere while it runs.
pub fn client_objections(cf: &ClientFields) -> Vec<ChannelMask> {
    (0..cf.client_id.len())
        .map(|ci| {
            CHANNELS
                .iter()
                .filter(|ch| cf.opposed[ch.index()][ci])
                .fold(0, |m, ch| m | (1 << ch.index()))
        })
        .collect()
}

fn no_mask(n: &Normalised, i: usize) -> ChannelMask {
    CHANNELS
        .iter()
        .filter(|ch| n.consent[ch.index()][i] == YesNo::No)
        .fold(0, |m, ch| m | (1 << ch.index()))
}

/// docs/pipeline.md#linking-and-deduplication: the most non-empty contact fields, then the most recent valid
/// consent; ties go to the lowest row (handled by the caller).
fn survivor_rank(n: &Normalised, i: usize) -> (usize, Option<chrono::NaiveDate>) {
    let valid_email = n.email[i]
        .as_ref()
        .is_some_and(|e| e.class != EmailClass::Invalid);
    let valid_phone =
        |p: &Option<crate::normalise::Phone>| p.as_ref().is_some_and(|p| p.e164.is_some());
    let fields = [
        valid_email,
        valid_phone(&n.phone[i]),
        valid_phone(&n.mobile[i]),
        valid_phone(&n.fax[i]),
        n.address_complete[i],
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let latest_consent = CHANNELS
        .iter()
        .filter(|ch| n.consent[ch.index()][i] == YesNo::Yes)
        .filter_map(|ch| n.consent_at[ch.index()].get(i))
        .max();
    (fields, latest_consent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::records::{client_fields, normalise_frame};
    use polars::prelude::*;

    fn frame(rows: &[[&str; 4]]) -> DataFrame {
        let col = |name: &str, k: usize| {
            let ca: StringChunked = rows
                .iter()
                .map(|r| Some(r[k]).filter(|c| !c.is_empty()))
                .collect();
            ca.with_name(name.into()).into_column()
        };
        DataFrame::new(
            rows.len(),
            vec![
                col("first_name", 0),
                col("last_name", 1),
                col("email", 2),
                col("mobile", 3),
            ],
        )
        .unwrap()
    }

    #[test]
    fn exact_keys_join_rows_and_find_the_lowest_client_with_the_first_key() {
        let list = normalise_frame(&frame(&[
            ["Jean", "Dupont", "jean@a.fr", "06 12 34 56 78"],
            // The same mobile in a later row: a duplicate of row 0.
            ["Jehan", "Dupond", "", "+33 6 12 34 56 78"],
            // Row 1's key was seen in row 0 only: its email is new.
            ["Claire", "Martin", "claire@b.fr", ""],
            // The same email as row 2, and a mobile seen nowhere else.
            ["Claire", "Martin", "claire@b.fr", "06 99 88 77 66"],
            ["Paul", "Petit", "paul@c.fr", "06 11 11 11 11"],
        ]));
        let clients_df = frame(&[
            ["x", "y", "other@d.fr", "06 11 11 11 11"],
            // Two client rows with the same email: the lower one is matched.
            ["Paul", "Petit", "paul@c.fr", ""],
            ["Paul", "Petit", "paul@c.fr", ""],
        ]);
        let clients = normalise_frame(&clients_df);
        let fields = client_fields(&clients_df, &mut Vec::new());
        let settings = fuzzy::FuzzySettings {
            enabled: false,
            ..Default::default()
        };
        let links = link(
            &list,
            LinkInputs::whole(&list, Some(&clients), &settings),
            Some(&fields),
            &Suppression::default(),
            &settings,
            &[],
        );
        assert_eq!(links.survivor_of[1], Some(0));
        assert_eq!(links.duplicate_key[1], Some(KeyKind::Phone));
        assert_eq!(links.survivor_of[0], None);
        // Rows 2 and 3: one cluster; row 3 has a mobile more, so it survives.
        assert_eq!(links.survivor_of[2], Some(3));
        assert_eq!(links.duplicate_key[2], Some(KeyKind::Email));
        assert_eq!(links.clusters, 2);
        // Row 4's email comes before its mobile: client row 1, by email,
        // not client row 0 by mobile.
        assert_eq!(links.client[4], Some(1));
        assert_eq!(links.client_key[4], Some(KeyKind::Email));
        assert_eq!(links.client[..4], [None; 4]);
    }
}
