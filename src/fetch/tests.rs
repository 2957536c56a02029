//! The fetcher against real HTTP servers on 127.0.0.1 (wiremock, and a raw
//! TCP server for a body cut short), never the internet.

use std::io::{Read, Write};
use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

fn options(cache: &Path) -> FetchOptions {
    FetchOptions {
        cache_dir: cache.to_owned(),
        offline: false,
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(500),
        retries: 2,
        backoff: Duration::from_millis(10),
        max_bytes: 1 << 20,
        credential: None,
    }
}

async fn get(url: &str, opts: &FetchOptions) -> std::result::Result<Fetched, Failure> {
    let c = client(opts).unwrap();
    fetch_async(&c, url, opts, Terminal::hidden()).await
}

const LM: &str = "Tue, 01 Dec 2026 02:00:00 GMT";
const CSV: &str = "email\nalice@example.fr\n";

#[tokio::test]
async fn etag_then_304_serves_the_cached_copy() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/exports/list.csv"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/exports/list.csv"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "\"v1\"")
                .set_body_string(CSV),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    let url = format!("{}/exports/list.csv", server.uri());

    let first = get(&url, &opts).await.unwrap();
    assert_eq!((first.status, first.from_cache), (Some(200), false));
    assert_eq!(std::fs::read_to_string(&first.path).unwrap(), CSV);
    assert_eq!(first.path.file_name().unwrap(), "list.csv");
    // The cache holds personal data: owner only, whatever the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&first.path), 0o600);
        assert_eq!(mode(first.path.parent().unwrap()), 0o700);
        assert_eq!(mode(&first.path.with_file_name("meta.json")), 0o600);
    }

    let second = get(&url, &opts).await.unwrap();
    assert_eq!((second.status, second.from_cache), (Some(304), true));
    assert_eq!(second.path, first.path);
    assert_eq!(std::fs::read_to_string(&second.path).unwrap(), CSV);
}

#[tokio::test]
async fn last_modified_is_sent_back_too() {
    let server = MockServer::start().await;
    let lm = LM;
    Mock::given(method("GET"))
        // wiremock's `header` splits values at commas, which an HTTP date has.
        .and(|r: &wiremock::Request| {
            r.headers
                .get("if-modified-since")
                .and_then(|v| v.to_str().ok())
                == Some(LM)
        })
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Last-Modified", lm)
                .set_body_string(CSV),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path());
    let url = format!("{}/o.csv", server.uri());
    assert!(!get(&url, &opts).await.unwrap().from_cache);
    assert!(get(&url, &opts).await.unwrap().from_cache);
}

#[tokio::test]
async fn a_500_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let f = get(&format!("{}/l.csv", server.uri()), &options(dir.path()))
        .await
        .unwrap();
    assert_eq!(f.attempts, 2);
    assert_eq!(std::fs::read_to_string(&f.path).unwrap(), CSV);
}

#[tokio::test]
async fn a_server_that_keeps_failing_fails_with_its_status_and_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let e = get(&format!("{}/l.csv", server.uri()), &options(dir.path()))
        .await
        .unwrap_err();
    assert!(e.message.contains("503"), "{}", e.message);
    assert!(e.message.contains("3 attempts"), "{}", e.message);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let e = get(
        &format!("{}/missing.csv", server.uri()),
        &options(dir.path()),
    )
    .await
    .unwrap_err();
    assert_eq!(e.status, Some(404));
    assert!(e.message.contains("404 Not Found"), "{}", e.message);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(CSV)
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.timeout = Duration::from_millis(200);
    opts.retries = 1;
    let started = std::time::Instant::now();
    let e = get(&format!("{}/l.csv", server.uri()), &opts)
        .await
        .unwrap_err();
    assert!(e.message.contains("timed out after 0.2 s"), "{}", e.message);
    assert!(e.message.contains("2 attempts"), "{}", e.message);
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert!(!cache_entry(dir.path(), &format!("{}/l.csv", server.uri()))
        .join("l.csv")
        .exists());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_not_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2000)))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.max_bytes = 1000;
    let url = format!("{}/big.csv", server.uri());
    let e = get(&url, &opts).await.unwrap_err();
    assert!(
        e.message.contains("2000 bytes, over the limit of 1000"),
        "{}",
        e.message
    );
    assert!(read_meta(&cache_entry(dir.path(), &url)).is_none());
}

#[tokio::test]
async fn a_redirect_is_followed_and_recorded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/old/list.csv"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/new/list-2026.csv"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/new/list-2026.csv"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let f = get(
        &format!("{}/old/list.csv", server.uri()),
        &options(dir.path()),
    )
    .await
    .unwrap();
    assert_eq!(f.status, Some(200));
    assert_eq!(
        f.final_url.as_deref(),
        Some(format!("{}/new/list-2026.csv", server.uri()).as_str())
    );
    assert_eq!(std::fs::read_to_string(&f.path).unwrap(), CSV);
}

#[tokio::test]
async fn the_token_is_sent_and_written_nowhere() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer s3cret-t0ken"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/private/clients.csv", server.uri());

    let e = get(&url, &options(dir.path())).await.unwrap_err();
    assert_eq!(e.status, Some(401));

    let mut opts = options(dir.path());
    opts.credential = Some(Credential::new("Authorization", "s3cret-t0ken").unwrap());
    let f = get(&url, &opts).await.unwrap();
    assert_eq!(f.status, Some(200));
    assert!(!format!("{opts:?}").contains("s3cret"));
    assert!(!serde_json::to_string(&f).unwrap().contains("s3cret"));
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cret"),
            "{} holds the token",
            entry.display()
        );
    }
}

#[tokio::test]
async fn a_custom_header_carries_the_raw_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-api-key", "k3y"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.credential = Some(Credential::new("X-Api-Key", "k3y").unwrap());
    get(&format!("{}/l.csv", server.uri()), &opts)
        .await
        .unwrap();
}

/// Server `a` redirects to server `b` (another origin); `b` answers 500 to
/// any request that carries a credential.
async fn cross_origin_pair() -> (MockServer, MockServer, String) {
    let (a, b) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/l.csv", b.uri()).as_str()),
        )
        .mount(&a)
        .await;
    Mock::given(method("GET"))
        .and(|r: &wiremock::Request| {
            r.headers.contains_key("authorization") || r.headers.contains_key("x-api-key")
        })
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&b)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .mount(&b)
        .await;
    let url = format!("{}/l.csv", a.uri());
    (a, b, url)
}

#[tokio::test]
async fn a_bearer_token_is_not_carried_to_another_origin() {
    let (_a, _b, url) = cross_origin_pair().await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.retries = 0;
    opts.credential = Some(Credential::new("Authorization", "s3cret").unwrap());
    let f = get(&url, &opts).await.unwrap();
    assert_eq!(f.status, Some(200));
}

#[tokio::test]
async fn a_custom_header_refuses_a_redirect_to_another_origin() {
    let (_a, _b, url) = cross_origin_pair().await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.retries = 0;
    opts.credential = Some(Credential::new("X-Api-Key", "s3cret").unwrap());
    let e = get(&url, &opts).await.unwrap_err();
    assert!(e.message.contains("redirect"), "{}", e.message);
    assert!(!e.message.contains("s3cret"), "{}", e.message);
}

#[tokio::test]
async fn offline_answers_from_the_cache_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(CSV))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    let url = format!("{}/l.csv", server.uri());
    get(&url, &opts).await.unwrap();
    opts.offline = true;
    let f = get(&url, &opts).await.unwrap();
    assert_eq!((f.status, f.from_cache), (None, true));
    let e = get(&format!("{}/other.csv", server.uri()), &opts)
        .await
        .unwrap_err();
    assert!(e.message.contains("--offline"), "{}", e.message);
}

/// A server that announces 100 bytes, sends 40 and hangs up.
fn truncating_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(3) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n");
            let _ = s.write_all(&[b'a'; 40]);
            let _ = s.flush();
        }
    });
    format!("http://{addr}/cut.csv")
}

#[tokio::test]
async fn a_truncated_body_fails_and_leaves_no_cached_file() {
    let url = truncating_server();
    let dir = tempfile::tempdir().unwrap();
    let e = get(&url, &options(dir.path())).await.unwrap_err();
    assert!(
        e.message.contains("broke after 40 bytes") || e.message.contains("truncated"),
        "{}",
        e.message
    );
    let entry = cache_entry(dir.path(), &url);
    let left: Vec<_> = std::fs::read_dir(&entry).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_bearer_credential_is_formed_once_and_never_printed() {
    let a = Credential::new("Authorization", " abc ").unwrap();
    let b = Credential::new("Authorization", "Bearer abc").unwrap();
    assert_eq!(a.value, b.value);
    assert_eq!(a.value.to_str().unwrap(), "Bearer abc");
    assert!(!format!("{a:?}").contains("abc"));
    assert!(Credential::new("bad header", "x").is_err());
}

#[test]
fn file_names_keep_the_extension_the_importer_needs() {
    assert_eq!(file_name_of("https://h/a/b/list.xlsx?x=1"), "list.xlsx");
    assert_eq!(file_name_of("https://h/"), "body");
    assert_eq!(file_name_of("https://h"), "body");
    assert_eq!(file_name_of("http://h/a%20b.csv"), "a_20b.csv");
    assert!(is_url("HTTPS://h/x") && !is_url("data/http.csv"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
