//! Command-line surface: clap definitions and the subcommands' front
//! ends. `run` turns its flags into a [`Config`](crate::config::Config) once and hands it to the
//! pipeline; `inspect` and `schema` only read and print; `keygen` and
//! `verify` are in [`crate::output::certificate`].

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::RunOptions;
use crate::error::Result;
use crate::ingest::mapping::{canonical_frame, map_headers, Mapping, TableKind};
use crate::ingest::read_table;
use crate::normalise::records::normalise_frame;
pub use crate::reference::{rules_markdown, schema_text};
use crate::schema::CANONICAL_COLUMNS;

#[derive(Debug, Parser)]
#[command(
    name = "qualify",
    version,
    about = "Vets a prospect list before anyone contacts the people in it: per channel, on the run's date, under GDPR and French direct-marketing law.",
    after_help = "Examples:\n  qualify run --config sample-data/qualify.toml\n  qualify run --list prospects.csv --clients clients.csv --opposition optout.csv --out out/\n  qualify inspect prospects.csv\n  qualify schema\n  qualify verify --certificate out/certificate.json --public-key vendor.pub\n\nExit codes: 0 success; 1 bad input or config; 2 usage error; 3 conservation check failed;\n4 verification failed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Qualify a list: write qualified.csv, rejected.csv, decisions.csv, summary.json, ... to --out.
    #[command(
        after_help = "Examples:\n  qualify run --config sample-data/qualify.toml\n  qualify run --list prospects.csv --out out/ --as-of 2026-11-23\n  qualify run --list vendor.xlsx --sheet Contacts --mapping vendor-mapping.toml --clients clients.csv \\\n      --opposition optout.csv --opposition hashed-md5.csv --buyer \"Maison Dupont SAS\" --out out/ --excel\n\nEvery flag can also be a key of the --config TOML file (snake_case); the command line wins,\nexcept --opposition, which adds to the config's lists. Without --manifest, <list stem>.manifest.toml\nbeside the list is used; with no manifest at all every record is rejected no_provenance."
    )]
    Run(Box<RunOptions>),
    /// Show how a file would be read: format, encoding, delimiter, rows, column mapping, sample values.
    #[command(
        after_help = "Examples:\n  qualify inspect sample-data/prospects.csv\n  qualify inspect vendor.xlsx --sheet Contacts --mapping vendor-mapping.toml"
    )]
    Inspect {
        /// The file to inspect.
        file: PathBuf,
        /// XLSX sheet [default: the first].
        #[arg(long)]
        sheet: Option<String>,
        /// Column mapping to apply.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// How many sample rows to show.
        #[arg(long, default_value_t = 3)]
        samples: usize,
    },
    /// Explain one record of a finished run: each channel's decision and the rules (with sources) behind it.
    #[command(
        after_help = "Examples:\n  qualify explain --out out --record 3f2a9c1b-42\n\nThe run is replayed from out/summary.json (inputs must be unchanged); nothing is written."
    )]
    Explain {
        /// The run's output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The record_id (as in qualified.csv / rejected.csv / decisions.csv).
        #[arg(long, value_name = "ID")]
        record: String,
    },
    /// Write the borderline fuzzy pairs of a finished run side by side, for a person to label.
    #[command(
        after_help = "Examples:\n  qualify review --run out --out review.csv\n  qualify run --config qualify.toml --labels review.csv\n\nFill the label column with match or no_match (leave it empty to skip a pair); the next run\napplies the answers with --labels and reports the model's precision and recall on them.\nThe run is replayed from out/ (inputs must be unchanged); the file holds personal data\nand is written readable by you only."
    )]
    Review {
        /// The run's output folder.
        #[arg(long, value_name = "DIR")]
        run: PathBuf,
        /// Where to write the pairs [default: review.csv].
        #[arg(long, value_name = "FILE", default_value = "review.csv")]
        out: PathBuf,
        /// At most this many pairs, the closest to the decision first.
        #[arg(long, value_name = "N", default_value_t = 200)]
        limit: usize,
    },
    /// Make an ed25519 key pair for signing certificates (`run --sign-key`).
    #[command(
        after_help = "Examples:\n  qualify keygen --secret-key vendor.key --public-key vendor.pub\n\nKeep vendor.key secret (it is written readable by you only); publish vendor.pub so that\nbuyers can run `qualify verify --public-key vendor.pub`. Existing files are never overwritten."
    )]
    Keygen {
        /// Where to write the secret key.
        #[arg(long, value_name = "FILE")]
        secret_key: PathBuf,
        /// Where to write the public key.
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
    },
    /// Check a certificate.json: its signature, and that the files present still have their certified SHA-256.
    #[command(
        after_help = "Examples:\n  qualify verify --certificate out/certificate.json\n  qualify verify --certificate delivery/certificate.json --public-key vendor.pub --dir delivery\n\nFiles are looked up by name in --dir (default: the certificate's folder); absent files are\nlisted and not checked. Exit 0 when every check passed, 4 when one failed (each failure is named)."
    )]
    Verify {
        /// The certificate to check.
        #[arg(long, value_name = "FILE")]
        certificate: PathBuf,
        /// The vendor's public key (from `qualify keygen`): checks who signed.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// Folder holding the certified files [default: the certificate's folder].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print the canonical columns and the reason codes, one line of meaning each.
    #[command(
        after_help = "Examples:\n  qualify schema\n  qualify schema | grep consent\n  qualify schema --rules-markdown > schemas/rules.md"
    )]
    Schema {
        /// Print the rule table as Markdown (the source of schemas/rules.md).
        #[arg(long)]
        rules_markdown: bool,
    },
    /// Record a person's objection or erasure request in the company's opposition file, hashed.
    #[command(
        after_help = "Examples:\n  qualify request objection --email jean.dupont@example.fr --channel email --into opposition.csv\n  qualify request erasure --email jean.dupont@example.fr --phone 06 12 34 56 78 --into opposition.csv --runs runs/\n\nThe file gets one row per identifier: sha256 (of the normalised email, of the E.164 phone),\nchannel, date, reference; an identifier the file already opposes is not added again. The next\nrun that reads the file as --opposition denies the person. An erasure opposes every channel\n(the person must not come back with the next list) and lists, with --runs, the run folders and\nfiles that still hold the person, to be deleted."
    )]
    Request {
        /// objection (stop contacting, on --channel) or erasure (every channel; list what holds the person).
        kind: RequestKind,
        /// The person's email.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// The person's phone number; repeat for several.
        #[arg(long, value_name = "PHONE")]
        phone: Vec<String>,
        /// The channel objected to: all, email, sms, phone, autocall, fax or post [default: all].
        #[arg(long, value_name = "CHANNEL", default_value = "all")]
        channel: String,
        /// The opposition file (CSV) to add the request to; created when absent.
        #[arg(long, value_name = "FILE")]
        into: PathBuf,
        /// The request's reference [default: <kind>-<date>-<first 8 hex digits of the first hash>].
        #[arg(long, value_name = "REF")]
        reference: Option<String>,
        /// The request's date (YYYY-MM-DD) [default: today, Europe/Paris].
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Run folders (or folders of run folders) to search for the person (erasure).
        #[arg(long, value_name = "DIR", num_args = 1..)]
        runs: Vec<PathBuf>,
    },
    /// Answer an access request: the runs and files that hold a person, with each channel's decision and reasons.
    #[command(
        after_help = "Examples:\n  qualify find --email jean.dupont@example.fr --runs out/\n  qualify find --email jean.dupont@example.fr --phone +33612345678 --runs runs/2026-11-30 runs/2026-12-01\n\nA folder without summary.json is searched as a folder of run folders. The person is looked up\nby the hashes of people.csv; nothing about anyone else is printed."
    )]
    Find {
        /// The person's email.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// The person's phone number; repeat for several.
        #[arg(long, value_name = "PHONE")]
        phone: Vec<String>,
        /// Run folders, or folders of run folders.
        #[arg(long, value_name = "DIR", num_args = 1.., required = true)]
        runs: Vec<PathBuf>,
    },
    /// Print the shell completion script for qualify (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  qualify completions bash > ~/.local/share/bash-completion/completions/qualify\n  qualify completions zsh > ~/.zfunc/_qualify\n  qualify completions fish > ~/.config/fish/completions/qualify.fish"
    )]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), every command and flag with its help.
    #[command(
        after_help = "Examples:\n  qualify man > qualify.1 && man ./qualify.1\n  qualify man | gzip > /usr/local/share/man/man1/qualify.1.gz"
    )]
    Man,
}

/// What a data-subject request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RequestKind {
    /// The person objects to prospection (GDPR art. 21): on one channel or all.
    Objection,
    /// The person asks for erasure (GDPR art. 17): every channel, and the files that hold them.
    Erasure,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Objection => "objection",
            RequestKind::Erasure => "erasure",
        }
    }
}

/// `qualify inspect`.
pub fn inspect(
    file: &std::path::Path,
    sheet: Option<&str>,
    mapping: Option<&std::path::Path>,
    samples: usize,
) -> Result<String> {
    let table = read_table(file, sheet)?;
    let mapping = match mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let map = map_headers(&table.headers, &mapping, TableKind::List, file)?;
    let mut o = String::new();
    let info = &table.info;
    let _ = writeln!(o, "file:       {}", file.display());
    let _ = writeln!(o, "sha256:     {}", table.sha256);
    let _ = writeln!(o, "format:     {}", info.format);
    if let Some(e) = &info.encoding {
        let _ = writeln!(o, "encoding:   {e}");
    }
    if let Some(d) = &info.delimiter {
        let _ = writeln!(o, "delimiter:  {d}");
    }
    if let Some(s) = &info.sheet {
        let _ = writeln!(o, "sheet:      {s}");
    }
    let _ = writeln!(
        o,
        "rows:       {} ({} malformed)",
        table.rows(),
        table.malformed.len()
    );
    for m in table.malformed.iter().take(10) {
        let _ = writeln!(o, "  row {}: {}", m.source_row, m.message);
    }
    let _ = writeln!(o, "\nmapping (header -> canonical):");
    for (h, c) in &map.pairs {
        let _ = writeln!(o, "  {h:<32} -> {c}");
    }
    for h in &map.ignored {
        let _ = writeln!(o, "  {h:<32} -> (read, not kept)");
    }
    let _ = writeln!(
        o,
        "\nunmapped: {}",
        if map.unmapped.is_empty() {
            "(none)".into()
        } else {
            map.unmapped.join(", ")
        }
    );

    let names: Vec<&str> = CANONICAL_COLUMNS.iter().map(|(c, _)| *c).collect();
    let df = canonical_frame(&table.frame, &map, &names);
    let k = samples.min(df.height());
    let df = df.slice(0, k);
    let n = normalise_frame(&df);
    let _ = writeln!(o, "\nsample normalised values:");
    for i in 0..k {
        let _ = writeln!(o, "  row {}:", i + 1);
        if let Some(v) = n.name_key.get(i) {
            let _ = writeln!(o, "    name_key  {v}");
        }
        if let Some(e) = &n.email[i] {
            let _ = writeln!(o, "    email     {} ({})", e.address(), e.class.as_str());
        }
        for (label, p) in [
            ("phone", &n.phone[i]),
            ("mobile", &n.mobile[i]),
            ("fax", &n.fax[i]),
        ] {
            if let Some(p) = p {
                let _ = writeln!(
                    o,
                    "    {label:<9} {} ({})",
                    p.e164.as_deref().unwrap_or("-"),
                    p.kind.as_str()
                );
            }
        }
        if let Some(p) = n.postcode.get(i) {
            let _ = writeln!(o, "    postcode  {p}");
        }
        if let Some(s) = &n.siret[i] {
            let _ = writeln!(
                o,
                "    siret     {} ({})",
                s.digits,
                if s.valid { "valid" } else { "invalid" }
            );
        }
    }
    Ok(o)
}
