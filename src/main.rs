//! The `qualify` binary: parses the command line, resolves the
//! configuration (this is the only place that reads the clock and the
//! host, and the only one that draws random bytes, for `keygen` and the
//! staging folder's name), runs,
//! and maps errors to the documented exit codes.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;

use qualify::cli::{inspect, schema_text, Cli, Command};
use qualify::config::{Config, Surroundings};
use qualify::fetch::sources::Secrets;
use qualify::fetch::Credential;
use qualify::job::run;
use qualify::pipeline::RunMeta;
use qualify::state::RemoteState;
use qualify::terminal::Terminal;

// The pipeline allocates millions of small strings (one per cell, key and
// reason list) from two threads; glibc's allocator spent about a tenth of
// a 1M-row run in malloc/free and page clearing (perf, release build).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set once a run's settings ask for `--log-format json`, so that its
/// error, too, is a JSON line.
static JSON_LOG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Copies standard input to a new private file beside `out`.
fn stdin_to_file(out: &std::path::Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut copy = tempfile::Builder::new()
        .prefix(".qualify-stdin-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a file in {} for the list", dir.display()))?;
    std::io::copy(&mut std::io::stdin().lock(), copy.as_file_mut())
        .context("cannot read the list from standard input")?;
    copy.as_file().sync_all()?;
    Ok(copy)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e
                .chain()
                .find_map(|c| c.downcast_ref::<qualify::Error>())
                .map_or(1, qualify::Error::exit_code);
            if JSON_LOG.load(std::sync::atomic::Ordering::Relaxed) {
                let line = serde_json::json!({
                    "event": "error",
                    "message": format!("{e:#}"),
                    "exit_code": code,
                });
                eprintln!("{line}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(code as u8)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "qualify", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            std::io::Write::write_all(&mut std::io::stdout(), &page)?;
            Ok(())
        }
        Command::Schema { rules_markdown } => {
            if rules_markdown {
                print!("{}", qualify::cli::rules_markdown());
            } else {
                print!("{}", schema_text());
            }
            Ok(())
        }
        Command::Keygen {
            secret_key,
            public_key,
        } => {
            // The one place randomness enters: the secret key's 32 bytes
            // come from the operating system's generator.
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            let public = qualify::output::certificate::keygen(&secret_key, &public_key, seed)?;
            eprintln!(
                "qualify: key pair written: secret {} (keep it private), public {} and {} for minisign -V (publish them)\n  public key: {}",
                secret_key.display(),
                public_key.display(),
                qualify::output::certificate::minisign_public_path(&public_key).display(),
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    public.as_bytes()
                )
            );
            Ok(())
        }
        Command::Verify {
            certificate,
            public_key,
            dir,
        } => {
            let dir = dir.unwrap_or_else(|| {
                certificate
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(Into::into)
                    .unwrap_or_else(|| ".".into())
            });
            let v =
                qualify::output::certificate::verify(&certificate, public_key.as_deref(), &dir)?;
            print!("{v}");
            let v = v.into_result()?;
            match &v.signer {
                Some(key) => println!(
                    "certificate verified: {} (files intact, signed by the key in {})",
                    certificate.display(),
                    key.display()
                ),
                None => println!(
                    "files intact: {} matches the files checked; the signer was not checked (give --public-key with the vendor's published key)",
                    certificate.display()
                ),
            }
            Ok(())
        }
        Command::Review { run, out, limit } => {
            let n = qualify::review::review(&run, &out, limit)?;
            eprintln!(
                "qualify: {n} borderline pairs written to {}: fill the label column with match or no_match, then run again with --labels {}",
                out.display(),
                out.display()
            );
            Ok(())
        }
        Command::Request {
            kind,
            email,
            phone,
            channel,
            into,
            reference,
            date,
            runs,
        } => {
            use qualify::requests;
            let person = requests::Person::new(email.as_deref(), &phone)?;
            let channel = requests::parse_channel(&channel)?;
            if kind == qualify::cli::RequestKind::Erasure && channel != "all" {
                return Err(qualify::Error::Usage(
                    "an erasure covers every channel: leave --channel out".into(),
                )
                .into());
            }
            let date = match date {
                Some(d) => {
                    chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                        qualify::Error::Usage(format!("--date: {d:?} is not a date as YYYY-MM-DD"))
                    })?
                }
                None => chrono::Utc::now()
                    .with_timezone(&chrono_tz::Europe::Paris)
                    .date_naive(),
            };
            let reference = reference.unwrap_or_else(|| {
                format!(
                    "{}-{}-{}",
                    kind.as_str(),
                    date.format("%Y%m%d"),
                    &person.hashes[0][..8]
                )
            });
            // Searched first: an erasure whose run folders cannot be read
            // records nothing, and says why.
            let found = if runs.is_empty() {
                None
            } else {
                Some(requests::find(&person, &runs)?)
            };
            let done = requests::append(&into, &person, &channel, date, &reference)?;
            println!(
                "{} {reference}: {} identifier(s) added to {} (channel {channel}), {} already there",
                kind.as_str(),
                done.added,
                into.display(),
                done.already
            );
            match found {
                Some(found) => {
                    print!("{}", requests::render(&found));
                    if kind == qualify::cli::RequestKind::Erasure
                        && found.iter().any(|f| !f.records.is_empty())
                    {
                        println!("\nThese files still hold the person: delete them (or the runs) to complete the erasure.");
                    }
                }
                None if kind == qualify::cli::RequestKind::Erasure => println!(
                    "no run folder searched: give --runs DIR... to list the files that still hold the person"
                ),
                None => {}
            }
            Ok(())
        }
        Command::Find { email, phone, runs } => {
            let person = qualify::requests::Person::new(email.as_deref(), &phone)?;
            let found = qualify::requests::find(&person, &runs)?;
            print!("{}", qualify::requests::render(&found));
            Ok(())
        }
        Command::Explain { out, record } => {
            print!("{}", qualify::explain::explain(&out, &record)?);
            Ok(())
        }
        Command::Inspect {
            file,
            sheet,
            mapping,
            samples,
        } => {
            let text = inspect(&file, sheet.as_deref(), mapping.as_deref(), samples)?;
            print!("{text}");
            Ok(())
        }
        Command::Run(opts) => {
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Europe::Paris)
                .date_naive();
            let outside = Surroundings {
                today,
                default_cache_dir: Some(default_cache_dir()),
                // A profiling aid: the time of each fuzzy-matching step on stderr.
                fuzzy_timing: std::env::var_os("QUALIFY_FUZZY_TIMING").is_some(),
            };
            // A flag given on the command line holds for the errors of
            // reading the settings, too.
            JSON_LOG.store(
                opts.log_format == Some(qualify::config::LogFormat::Json),
                std::sync::atomic::Ordering::Relaxed,
            );
            let config = Config::resolve_in(*opts, &outside)?;
            let quiet = config.quiet;
            if let Some(key) = &config.sign_key {
                warn_if_readable_by_others(key);
            }
            let (mut state, secrets) = remote_environment(&config)?;
            // `--list -`: standard input, copied to a private file beside
            // --out for the run (the import reads a file, and its SHA-256
            // is the record ids' prefix); removed when the run ends.
            let mut config = config;
            let _stdin_copy = if config.list == std::path::Path::new(qualify::config::STDIN) {
                let copy = stdin_to_file(&config.out)?;
                state.origins.insert(
                    copy.path().to_owned(),
                    qualify::config::STDIN_NAME.to_owned(),
                );
                config.list = copy.path().to_owned();
                Some(copy)
            } else {
                None
            };
            let json = config.log_format == qualify::config::LogFormat::Json;
            JSON_LOG.store(json, std::sync::atomic::Ordering::Relaxed);
            let terminal = if json {
                Terminal::json(quiet)
            } else {
                Terminal::new(quiet)
            };
            let (config, fetched) =
                qualify::fetch::sources::resolve_sources(&config, &mut state, &secrets, terminal)
                    .context("cannot read a remote source")?;
            let now = || chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let meta = RunMeta {
                cwd: std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                started_at: now(),
                host: host_name(),
                now: &now,
                fetched,
                token: rand::RngCore::next_u64(&mut rand::rngs::OsRng),
            };
            let outcome = run(&config, &state, terminal, &meta)
                .with_context(|| format!("run on {} failed", config.list.display()))?;
            if json && !quiet {
                let allowed: serde_json::Map<String, serde_json::Value> = outcome
                    .allowed_per_channel
                    .iter()
                    .map(|(c, k)| (c.clone(), (*k).into()))
                    .collect();
                eprintln!(
                    "{}",
                    serde_json::json!({
                        "event": "done",
                        "rows": outcome.rows,
                        "qualified": outcome.qualified,
                        "rejected": outcome.rejected,
                        "allowed": allowed,
                        "replaced": outcome.replaced,
                        "no_provenance": outcome.no_provenance,
                        "repermission": outcome.repermission,
                        "changes": outcome.changes,
                        "warnings": outcome.warnings,
                    })
                );
            } else if !quiet {
                eprintln!(
                    "qualify: {} rows read from {} (as of {}): {} qualified, {} rejected -> {}",
                    outcome.rows,
                    config.list.display(),
                    config.as_of,
                    outcome.qualified,
                    outcome.rejected,
                    outcome.out.display()
                );
                let per: Vec<String> = outcome
                    .allowed_per_channel
                    .iter()
                    .map(|(c, k)| format!("{c} {k}"))
                    .collect();
                eprintln!("  contactable per channel: {}", per.join(", "));
                eprintln!(
                    "  to ask again before their window closes: {} records (repermission.csv)",
                    outcome.repermission
                );
                if let Some(c) = &outcome.changes {
                    eprintln!(
                        "  since the previous run (person x channel, changes.csv): {} newly denied, {} no longer listed, {} newly allowed, {} new and allowed",
                        c.newly_denied, c.no_longer_listed, c.newly_allowed, c.new_allowed
                    );
                }
                eprintln!("  report: {}", outcome.out.join("report.html").display());
                match &config.sign_key {
                    Some(k) => eprintln!(
                        "  certificate: {} signed with {}",
                        outcome.out.join("certificate.json").display(),
                        k.display()
                    ),
                    None => eprintln!(
                        "  certificate: {} (not signed: give --sign-key to sign it)",
                        outcome.out.join("certificate.json").display()
                    ),
                }
                if outcome.replaced {
                    eprintln!(
                        "  note: {} held an earlier run; it was replaced whole",
                        outcome.out.display()
                    );
                }
                if let Some(l) = &outcome.labels {
                    let pct = |v: Option<f64>| {
                        v.map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0))
                    };
                    eprintln!(
                        "  labels: {} of {} answers apply to this run ({} match, {} no_match); the model alone: precision {}, recall {} on them",
                        l.applicable,
                        l.given,
                        l.labelled_match,
                        l.labelled_no_match,
                        pct(l.precision),
                        pct(l.recall)
                    );
                }
                if outcome.no_provenance {
                    eprintln!(
                        "  warning: no manifest found: every record was rejected no_provenance"
                    );
                }
                for w in outcome.warnings.iter().take(8) {
                    eprintln!("  warning: {w}");
                }
            }
            Ok(())
        }
    }
}

/// `$XDG_CACHE_HOME/qualify`, else `~/.cache/qualify`, else one in the
/// temporary folder.
fn default_cache_dir() -> std::path::PathBuf {
    let xdg = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty());
    let base = match xdg {
        Some(x) => std::path::PathBuf::from(x),
        None => std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(".cache"))
            .unwrap_or_else(std::env::temp_dir),
    };
    base.join("qualify")
}

/// What the remote side needs from the environment and the clock, which
/// only the binary reads, kept beside the settings: the time for the
/// company cache's time-to-live (in the run's state), the token's value
/// and the PostgreSQL password (from the variables the config names; only
/// the fetching code sees them).
fn remote_environment(config: &Config) -> anyhow::Result<(RemoteState, Secrets)> {
    let mut state = RemoteState::default();
    let mut secrets = Secrets::default();
    let remote = &config.remote;
    let read = |key: &str, var: &str| {
        std::env::var(var).map_err(|_| {
            qualify::Error::Usage(format!(
                "{key} names the environment variable {var}, which is not set"
            ))
        })
    };
    if let Some(var) = &remote.auth_token_env {
        let token = read("auth_token_env", var)?;
        secrets.http = Some(Credential::new(&remote.auth_header, &token)?);
    }
    if let Some(var) = &remote.postgres_password_env {
        secrets.postgres_password = Some(read("postgres_password_env", var)?);
    }
    state.now_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok((state, secrets))
}

/// A secret key others can read is no longer secret: said, not refused
/// (the run is still correct; whoever could read the key could sign).
fn warn_if_readable_by_others(key: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(m) = std::fs::metadata(key) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "qualify: warning: the secret key {} can be read by others (mode {mode:o}): anyone who read it can sign certificates in your name; chmod 600 it, or make a new pair with qualify keygen",
                    key.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = key;
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}
