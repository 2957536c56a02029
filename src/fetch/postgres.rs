//! PostgreSQL as a source of the client file and of opposition lists. In:
//! a `postgres://` URL naming the server, the database and what to read
//! (`?table=crm.clients`, or `?query=SELECT ...`, or the config's
//! `clients_query`), and the password the binary read from the variable
//! `postgres_password_env` names. Out: a CSV file in the cache folder
//! (owner only) holding exactly the rows the server sent through
//! `COPY (...) TO STDOUT WITH (FORMAT csv, HEADER)`, which the normal
//! import then reads: mapping, normalisation and conservation are those of
//! a file. The [`Fetched`] record names the URL without credentials and the
//! byte count; summary.json names the source the same way and gives the
//! SHA-256 of those bytes.
//!
//! The rows are sorted on every column (as text, byte order): a table has
//! no order of its own, and the same rows must make the same file.
//! Two column types are rewritten on the server so that the file reads as
//! an export would: booleans become `yes`/`no` (COPY writes `t`/`f`) and
//! timestamps become their date (the pipeline's dates are days).
//!
//! What it must never do: write the password anywhere (not in the file
//! name, not in an error, not in `Debug` output), or run anything but one
//! read-only statement.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::state::Fetched;

pub use crate::config::remote::is_postgres;

/// A PostgreSQL source, parsed: what to connect to and what to read.
pub struct Source {
    /// The URL without user, password or unknown parameters: how outputs
    /// and errors name it.
    pub display: String,
    config: tokio_postgres::Config,
    /// The rows to read, as a SELECT.
    select: String,
    /// `max_download_bytes`: a bigger result is refused.
    pub max_bytes: u64,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("display", &self.display)
            .field("select", &self.select)
            .finish_non_exhaustive()
    }
}

/// A table name as `name` or `schema.name`, each part a plain identifier,
/// quoted: nothing else reaches the SQL from a URL.
fn table_sql(table: &str) -> Option<String> {
    let parts: Vec<&str> = table.split('.').collect();
    let plain = |p: &str| {
        let mut c = p.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
            && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    };
    (parts.len() <= 2 && parts.iter().all(|p| plain(p))).then(|| {
        parts
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(".")
    })
}

impl Source {
    /// Parses `url`; `query` (the config's `clients_query`) wins over the
    /// URL's `table` / `query`. `password`, when given, wins over one in
    /// the URL.
    pub fn parse(url: &str, query: Option<&str>, password: Option<&str>) -> Result<Source> {
        let bad = |m: &str| Error::Usage(format!("{}: {m}", redact(url)));
        let u = url::Url::parse(url).map_err(|e| bad(&format!("not a PostgreSQL URL ({e})")))?;
        let mut config = tokio_postgres::Config::new();
        if !u.username().is_empty() {
            let user = percent(u.username());
            config.user(&user);
        }
        // The variable's value is the password as it is; the URL's own is
        // percent-encoded.
        match (password, u.password()) {
            (Some(p), _) => {
                config.password(p);
            }
            (None, Some(p)) => {
                config.password(percent(p));
            }
            (None, None) => {}
        }
        let dbname = percent(u.path().trim_start_matches('/'));
        if dbname.is_empty() {
            return Err(bad(
                "no database named (postgres://user@host:5432/DATABASE?table=...)",
            ));
        }
        config.dbname(&dbname);
        let mut host = u.host_str().map(percent).filter(|h| !h.is_empty());
        let mut table = None;
        let mut url_query = None;
        let mut port = u.port();
        for (k, v) in u.query_pairs() {
            match k.as_ref() {
                "table" => table = Some(v.into_owned()),
                "query" => url_query = Some(v.into_owned()),
                // A folder: the server's Unix socket.
                "host" => host = Some(v.into_owned()),
                "port" => {
                    port = Some(v.parse().map_err(|_| bad("port: not a number"))?);
                }
                "connect_timeout" => {
                    let s: u64 = v.parse().map_err(|_| bad("connect_timeout: not seconds"))?;
                    config.connect_timeout(Duration::from_secs(s));
                }
                "application_name" => {
                    config.application_name(v.as_ref());
                }
                // No TLS client is built in: the server is reached over its
                // local socket or a trusted network.
                "sslmode" if matches!(v.as_ref(), "disable" | "allow" | "prefer") => {
                    config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                }
                "sslmode" => {
                    return Err(bad(&format!(
                        "sslmode={v}: TLS is not supported; connect over the server's Unix socket (?host=/run/postgresql) or a trusted network with sslmode=disable"
                    )))
                }
                other => {
                    return Err(bad(&format!(
                        "unknown parameter {other:?} (known: table, query, host, port, connect_timeout, application_name)"
                    )))
                }
            }
        }
        let host = host.unwrap_or_else(|| "localhost".into());
        if host.starts_with('/') {
            config.host_path(&host);
        } else {
            config.host(&host);
        }
        config.port(port.unwrap_or(5432));
        if config.get_application_name().is_none() {
            config.application_name("qualify");
        }
        let select = match (query, url_query, table) {
            (Some(q), _, _) => sql_of(q)?,
            (None, Some(q), _) => sql_of(&q)?,
            (None, None, Some(t)) => format!(
                "SELECT * FROM {}",
                table_sql(&t).ok_or_else(|| bad(&format!(
                    "table {t:?}: expected name or schema.name (letters, digits, _)"
                )))?
            ),
            (None, None, None) => {
                return Err(bad(
                    "say what to read: ?table=NAME in the URL, or clients_query in the config",
                ))
            }
        };
        let mut display = format!(
            "postgres://{host_shown}",
            host_shown = shown_host(&host, port)
        );
        display.push('/');
        display.push_str(&dbname);
        let mut params: Vec<String> = Vec::new();
        if host.starts_with('/') {
            params.push(format!("host={host}"));
        }
        for (k, v) in u.query_pairs() {
            if k == "table" {
                params.push(format!("table={v}"));
            }
        }
        if !params.is_empty() {
            display.push('?');
            display.push_str(&params.join("&"));
        }
        Ok(Source {
            display,
            config,
            select,
            max_bytes: u64::MAX,
        })
    }

    /// Streams the rows into `dest` (written as `<dest>.part`, renamed
    /// when complete). Returns the record for run.json.
    pub fn copy_to(&self, dest: &Path, timeout: Duration) -> Result<Fetched> {
        let rt = super::runtime()?;
        let fail = |m: String| Error::fetch(&self.display, m);
        let bytes = rt.block_on(async {
            tokio::time::timeout(timeout, self.copy_async(dest))
                .await
                .map_err(|_| fail(format!("no answer within {} s", timeout.as_secs_f64())))?
        })?;
        Ok(Fetched {
            url: self.display.clone(),
            path: dest.to_owned(),
            status: None,
            from_cache: false,
            final_url: None,
            bytes,
            attempts: 1,
        })
    }

    async fn copy_async(&self, dest: &Path) -> Result<u64> {
        let fail = |m: String| Error::fetch(&self.display, m);
        let (client, connection) = self
            .config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| fail(format!("cannot connect: {}", describe_connect(&e))))?;
        let conn = tokio::spawn(connection);
        // One read-only transaction: the statement cannot change the CRM.
        client
            // Dates as the server's clock and style would give them
            // otherwise depend on its settings: fixed here, for the run.
            .batch_execute(
                "BEGIN TRANSACTION READ ONLY; SET LOCAL TimeZone = 'Europe/Paris'; SET LOCAL DateStyle = 'ISO, YMD'",
            )
            .await
            .map_err(|e| fail(describe(&e)))?;
        // The newline ends a `-- comment` the query may end with.
        let inner = format!("SELECT * FROM ({}\n) AS qualify_source", self.select);
        let described = client
            .prepare(&inner)
            .await
            .map_err(|e| fail(format!("cannot read the rows: {}", describe(&e))))?;
        let columns: Vec<String> = described
            .columns()
            .iter()
            .map(|c| {
                let name = format!("\"{}\"", c.name().replace('"', "\"\""));
                match *c.type_() {
                    tokio_postgres::types::Type::BOOL => format!(
                        "CASE WHEN {name} THEN 'yes' WHEN NOT {name} THEN 'no' END AS {name}"
                    ),
                    tokio_postgres::types::Type::TIMESTAMP
                    | tokio_postgres::types::Type::TIMESTAMPTZ => {
                        format!("({name})::date AS {name}")
                    }
                    _ => name,
                }
            })
            .collect();
        if columns.is_empty() {
            return Err(fail("the query returns no column".into()));
        }
        // A table has no order, and the server's plan changes with its
        // pages: the rows are sorted on every column, as text in byte
        // order, so that the same rows always make the same file (and the
        // same matcher training, matches and record references).
        let order: Vec<String> = described
            .columns()
            .iter()
            .map(|c| {
                format!(
                    "(qualify_source.\"{}\")::text COLLATE \"C\"",
                    c.name().replace('"', "\"\"")
                )
            })
            .collect();
        let copy = format!(
            "COPY (SELECT {} FROM ({}\n) AS qualify_source ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER true)",
            columns.join(", "),
            self.select,
            order.join(", ")
        );
        let stream = client
            .copy_out(&copy)
            .await
            .map_err(|e| fail(format!("cannot read the rows: {}", describe(&e))))?;
        let part = dest.with_extension("csv.part");
        if let Some(dir) = dest.parent() {
            super::private_dirs(dir)
                .await
                .map_err(|e| Error::io(dir, e))?;
        }
        let mut file = super::private_file(&part)
            .await
            .map_err(|e| Error::io(&part, e))?;
        let mut total = 0u64;
        let mut hash = Sha256::new();
        futures_util::pin_mut!(stream);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| fail(format!("the rows stopped: {}", describe(&e))))?;
            hash.update(&chunk);
            total += chunk.len() as u64;
            if total > self.max_bytes {
                drop(file);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(fail(format!(
                    "more than max_download_bytes ({} bytes): not read",
                    self.max_bytes
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(&part, e))?;
        }
        file.sync_all().await.map_err(|e| Error::io(&part, e))?;
        drop(file);
        let _ = client.batch_execute("COMMIT").await;
        drop(client);
        let _ = conn.await;
        tokio::fs::rename(&part, dest)
            .await
            .map_err(|e| Error::io(dest, e))?;
        Ok(total)
    }
}

/// The cache file of a source: named by the SHA-256 of what it reads
/// (never by the URL, which may hold a user name).
pub fn cache_path(cache_dir: &Path, source: &Source) -> PathBuf {
    let key = hex::encode(Sha256::digest(
        format!("{}\n{}", source.display, source.select).as_bytes(),
    ));
    cache_dir
        .join("postgres")
        .join(format!("{}.csv", &key[..32]))
}

/// A query as the operator wrote it, without the final `;` (it is
/// wrapped in COPY (...)).
fn sql_of(query: &str) -> Result<String> {
    let q = query.trim().trim_end_matches(';').trim();
    if q.is_empty() {
        return Err(Error::Usage("the PostgreSQL query is empty".into()));
    }
    Ok(q.to_owned())
}

fn percent(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn shown_host(host: &str, port: Option<u16>) -> String {
    if host.starts_with('/') {
        return String::new();
    }
    format!("{host}:{}", port.unwrap_or(5432))
}

/// `url` without user, password and parameters (a parameter may hold
/// anything), for errors.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => "postgres://...".into(),
    }
}

/// Why a connection failed, without the server's words: they name the
/// user ("password authentication failed for user ..."), which no output
/// may hold. The SQLSTATE says which failure it was.
fn describe_connect(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            let what = match code {
                "28P01" | "28000" => "the server refused the credentials",
                "3D000" => "no such database",
                "53300" => "too many connections",
                _ => "the server refused the connection",
            };
            format!("{what} (SQLSTATE {code})")
        }
        None => e.to_string(),
    }
}

/// The server's message (tokio-postgres' `Display` says only "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_shown_without_credentials() {
        let s = Source::parse(
            "postgres://crm:s3cret@db.example:6543/crm?table=sales.clients",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            s.display,
            "postgres://db.example:6543/crm?table=sales.clients"
        );
        assert_eq!(s.select, "SELECT * FROM \"sales\".\"clients\"");
        assert!(!format!("{s:?}").contains("s3cret"));
        let s = Source::parse(
            "postgresql://qualify@localhost/crm?host=/run/postgresql&table=clients",
            Some("SELECT * FROM clients WHERE active;"),
            Some("pw"),
        )
        .unwrap();
        assert_eq!(
            s.display,
            "postgres:///crm?host=/run/postgresql&table=clients"
        );
        assert_eq!(s.select, "SELECT * FROM clients WHERE active");
        // The variable's password is taken as it is; the URL's is decoded.
        assert_eq!(s.config.get_password(), Some(&b"pw"[..]));
        let s = Source::parse("postgres://u:a%2Bb%26c@h/d?table=t", None, None).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"a+b&c"[..]));
        let s = Source::parse("postgres://u@h/d?table=t", None, Some("a+b&c%41")).unwrap();
        assert_eq!(s.config.get_password(), Some(&b"a+b&c%41"[..]));
        assert!(is_postgres("POSTGRES://x/y") && !is_postgres("https://x/y"));
    }

    #[test]
    fn nothing_but_an_identifier_reaches_the_sql_from_a_url() {
        for url in [
            "postgres://h/crm?table=clients;DROP TABLE x",
            "postgres://h/crm?table=a.b.c",
            "postgres://h/crm?table=",
            "postgres://h/crm",
            "postgres://h/?table=t",
            "postgres://h/crm?table=t&sslmode=require",
            "postgres://h/crm?table=t&password=x",
        ] {
            let e = Source::parse(url, None, None).unwrap_err().to_string();
            assert!(!e.contains("password=x"), "{e}");
        }
        assert_eq!(redact("postgres://u:pw@h:1/d?table=t"), "postgres://h:1/d");
    }
}
