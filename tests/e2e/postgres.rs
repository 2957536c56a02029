//! The client file and the opposition list read from a real PostgreSQL
//! server: the same rows as the sample's CSV files, in typed columns
//! (dates, a timestamp, booleans), must give the same decisions.
//!
//! The server comes from the environment: `.ci/start-postgres` starts a
//! throwaway one and prints `QUALIFY_TEST_PG_URL` / `_PASSWORD`; `.ci/run`
//! sets `QUALIFY_REQUIRE_POSTGRES=1`, so that CI fails instead of skipping.

use std::path::Path;

use super::util::*;

struct Server {
    url: String,
    password: String,
}

fn server(test: &str) -> Option<Server> {
    match (
        std::env::var("QUALIFY_TEST_PG_URL"),
        std::env::var("QUALIFY_TEST_PG_PASSWORD"),
    ) {
        (Ok(url), Ok(password)) => Some(Server { url, password }),
        _ if std::env::var_os("QUALIFY_REQUIRE_POSTGRES").is_some() => {
            panic!("QUALIFY_REQUIRE_POSTGRES is set but QUALIFY_TEST_PG_URL / QUALIFY_TEST_PG_PASSWORD are not: start one with eval \"$(bash .ci/start-postgres)\"")
        }
        _ => {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n########################################################################\n\
                 # SKIPPED {test}: no PostgreSQL server given.\n\
                 # Reading clients and opposition from PostgreSQL is NOT checked. Start\n\
                 # one with eval \"$(bash .ci/start-postgres)\" (Debian: apt-get install\n\
                 # postgresql); .ci/run sets QUALIFY_REQUIRE_POSTGRES=1 so that CI fails\n\
                 # instead of skipping.\n\
                 ########################################################################\n"
            );
            None
        }
    }
}

/// Loads the sample's client file and opposition list into the schema
/// `schema` (dropped first), in typed columns.
fn load(server: &Server, schema: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut config: tokio_postgres::Config = server.url.parse().unwrap();
        config.password(&server.password);
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
                 CREATE TABLE {schema}.clients (
                   client_id text PRIMARY KEY, first_name text, last_name text, email text,
                   phone text, mobile text, address_line1 text, postcode text, city text,
                   country text, company_name text, siret text,
                   relationship_end_at date, last_purchase_at timestamptz,
                   contract_in_progress boolean, opposed_email boolean, opposed_sms boolean,
                   opposed_phone boolean, opposed_post boolean);
                 CREATE TABLE {schema}.optout (
                   email text, phone text, sha256 text, md5 text, channel text, date date);"
            ))
            .await
            .unwrap();
        for (table, file) in [("clients", "clients.csv"), ("optout", "opposition.csv")] {
            let sink = client
                .copy_in(&format!(
                    "COPY {schema}.{table} FROM STDIN WITH (FORMAT csv, HEADER true)"
                ))
                .await
                .unwrap();
            let bytes = std::fs::read(repo(&format!("sample-data/{file}"))).unwrap();
            use futures_util::SinkExt as _;
            futures_util::pin_mut!(sink);
            sink.send(bytes::Bytes::from(bytes)).await.unwrap();
            sink.close().await.unwrap();
        }
    });
}

/// `qualify run` on the sample list with these reference sources.
fn run_with(out: &Path, sources: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut args = vec![
        "run".to_owned(),
        "--list".into(),
        repo("sample-data/prospects.csv").display().to_string(),
        "--as-of".into(),
        "2026-11-23".into(),
        "--buyer".into(),
        "Menuiseries Bellerive SAS".into(),
        "--out".into(),
        out.display().to_string(),
        "--cache-dir".into(),
        out.with_extension("cache").display().to_string(),
        "--quiet".into(),
    ];
    args.extend(sources.iter().map(|s| (*s).to_owned()));
    let mut cmd = bin();
    cmd.args(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn clients_and_opposition_from_postgresql_decide_as_the_same_rows_from_csv() {
    let Some(server) =
        server("clients_and_opposition_from_postgresql_decide_as_the_same_rows_from_csv")
    else {
        return;
    };
    let schema = format!("qualify_e2e_{}", std::process::id());
    load(&server, &schema);
    let dir = tempfile::tempdir().unwrap();
    let (files, db) = (dir.path().join("files"), dir.path().join("db"));
    let clients_csv = repo("sample-data/clients.csv");
    let opposition_csv = repo("sample-data/opposition.csv");
    let o = run_with(
        &files,
        &[
            "--clients",
            clients_csv.to_str().unwrap(),
            "--opposition",
            opposition_csv.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let clients_url = format!("{}?table={schema}.clients", server.url);
    let optout_url = format!("{}?table={schema}.optout", server.url);
    let env = [("CRM_PASSWORD", server.password.as_str())];
    let o = run_with(
        &db,
        &[
            "--clients",
            &clients_url,
            "--opposition",
            &optout_url,
            "--postgres-password-env",
            "CRM_PASSWORD",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "decisions.csv",
        "qualified.csv",
        "rejected.csv",
        "matches.csv",
    ] {
        assert!(
            std::fs::read(files.join(f)).unwrap() == std::fs::read(db.join(f)).unwrap(),
            "{f} differs between the CSV files and the same rows from PostgreSQL"
        );
    }
    let s = summary(&db);
    let clients = &s["inputs"]["clients"];
    let host = server.url.split('@').nth(1).unwrap();
    assert_eq!(
        clients["path"],
        format!("postgres://{host}?table={schema}.clients")
    );
    assert_eq!(clients["rows"], 1000);
    assert_eq!(clients["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        s["inputs"]["opposition"][0]["entries"],
        summary(&files)["inputs"]["opposition"][0]["entries"]
    );
    // Neither the password nor the user name is written anywhere.
    for entry in std::fs::read_dir(&db).unwrap() {
        let p = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
        assert!(
            !text.contains(&server.password),
            "{} holds the password",
            p.display()
        );
        assert!(!text.contains("qualify@"), "{} holds the user", p.display());
    }

    // The config's query wins over the URL's table.
    let half = dir.path().join("half");
    let query = format!("SELECT * FROM {schema}.clients WHERE client_id <= 'CL0000500'");
    let o = run_with(
        &half,
        &[
            "--clients",
            &clients_url,
            "--clients-query",
            &query,
            "--postgres-password-env",
            "CRM_PASSWORD",
        ],
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&half)["inputs"]["clients"]["rows"], 500);

    // A wrong password: exit 1, the URL named without credentials; as an
    // optional source, the decisions it informs fail closed.
    let wrong = [("CRM_PASSWORD", "not-the-password")];
    let refused = dir.path().join("refused");
    let args = [
        "--clients",
        clients_url.as_str(),
        "--postgres-password-env",
        "CRM_PASSWORD",
    ];
    let o = run_with(&refused, &args, &wrong);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("postgres://{host}")), "{err}");
    assert!(
        !err.contains("not-the-password") && !err.contains("qualify@") && !err.contains("for user"),
        "{err}"
    );
    assert!(err.contains("SQLSTATE 28P01"), "{err}");
    let mut optional = args.to_vec();
    optional.extend(["--optional", "clients"]);
    let o = run_with(&refused, &optional, &wrong);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&refused);
    assert_eq!(s["counts"]["qualified"], 0, "fail closed");
    assert_eq!(s["unavailable_sources"][0]["source"], "clients");
    assert!(
        !s["unavailable_sources"][0]["cause"]
            .as_str()
            .unwrap()
            .contains("for user"),
        "{}",
        s["unavailable_sources"]
    );
}

#[test]
fn a_list_is_not_read_from_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "run",
        "--list",
        "postgres://h/crm?table=prospects",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--list: PostgreSQL is a source of the client file"));
}
