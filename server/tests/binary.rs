//! The `cdmx` binary as operators run it: start-up, the admin command, configuration
//! errors, and graceful shutdown on SIGTERM with a request in flight.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn cdmx(db: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cdmx"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CDMX_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("CDMX_BIND", "127.0.0.1:0")
        .env("CDMX_LOG", "warn")
        .env("CDMX_WORKERS", "1");
    command
}

/// Starts the server and returns it with the address it printed.
fn start(db: &std::path::Path) -> (Child, String) {
    let (child, address, _) = start_reading(db, 1);
    (child, address)
}

/// Starts the server, returns it with its address and the first `lines` lines it printed.
fn start_reading(db: &std::path::Path, lines: usize) -> (Child, String, Vec<String>) {
    let mut child = cdmx(db)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let printed: Vec<String> = (0..lines)
        .map(|_| {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            line
        })
        .collect();
    let line = printed[0].clone();
    let address = line
        .trim()
        .strip_prefix("cdmx listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    // Keep the pipe open (and drained) so the server never blocks writing to it.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    (child, address, printed)
}

fn http(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "the server did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The JSON body of a printed `curl ... -d '<body>'` line, as a shell would pass it.
fn curl_body(line: &str) -> String {
    let (_, quoted) = line.trim().split_once(" -d ").unwrap();
    quoted
        .trim_start_matches('\'')
        .trim_end_matches('\'')
        .replace(r"'\''", "'")
}

fn sign_in(address: &str, body: &str) -> String {
    http(
        address,
        &format!(
            "POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn first_start_creates_the_database_loads_the_demo_and_prints_its_login() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let (mut child, address, printed) = start_reading(&db, 5);
    assert!(db.exists(), "the SQLite file is created on first start");
    assert!(printed[1].contains("/docs/"), "{printed:?}");
    assert!(printed[2].starts_with("Demo data loaded: "), "{printed:?}");
    let response = http(
        &address,
        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"database\":\"sqlite\""), "{response}");
    // Both printed requests work as pasted: the URL, the header and the exact body.
    for line in &printed[3..5] {
        let prefix = format!(
            "curl -s -X POST http://{address}/v1/auth/token -H 'content-type: application/json' -d '"
        );
        assert!(line.trim().starts_with(&prefix), "{line}");
        let body = curl_body(line);
        assert!(body.contains("\"grant_type\":\"password\""), "{body}");
        let login = sign_in(&address, &body);
        assert!(
            login.starts_with("HTTP/1.1 200"),
            "the printed demo login works: {login}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // A restart says how to get a demo login again, and that command works.
    let (mut child, address, printed) = start_reading(&db, 3);
    assert!(
        printed[2].contains("cdmx demo reset-password"),
        "{printed:?}"
    );
    let output = cdmx(&db)
        .env("CDMX_BIND", &address)
        .env("CDMX_DEMO_PASSWORD", "it's a new demo password")
        .args(["demo", "reset-password"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let curl = stdout.lines().find(|l| l.contains("curl ")).unwrap();
    assert!(
        curl_body(curl).contains("it's a new demo password"),
        "{curl}"
    );
    let login = sign_in(&address, &curl_body(curl));
    assert!(login.starts_with("HTTP/1.1 200"), "after a reset: {login}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn seed_adds_synthetic_cdmos() {
    let dir = tempfile::tempdir().unwrap();
    let output = cdmx(&dir.path().join("bench.db"))
        .args(["seed", "--profiles", "25", "--seed", "3"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("added 25 synthetic CDMOs (seed 3")
    );
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = start(&dir.path().join("cdmx.db"));
    let body =
        r#"{"grant_type":"password","email":"nobody@x.example","password":"wrong password!"}"#;
    let (head, tail) = body.split_at(20);
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    stream.write_all(tail.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "the in-flight request was answered: {response}"
    );
    let status = wait_for_exit(&mut child, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
}

#[test]
fn admin_create_takes_the_password_from_env_or_stdin_and_never_a_default() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cdmx.db");
    let output = cdmx(&db)
        .args(["admin", "create", "--email", "Ops@CDMX.example"])
        .env("CDMX_ADMIN_PASSWORD", "a long operator password")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("created platform admin ops@cdmx.example")
    );

    let mut child = cdmx(&db)
        .args(["admin", "create", "--email", "second@cdmx.example"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another long password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Empty stdin is an empty password: refused, not defaulted.
    let output = cdmx(&db)
        .args(["admin", "create", "--email", "third@cdmx.example"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"));

    let output = cdmx(&db)
        .args(["admin", "create", "--email", "ops@cdmx.example"])
        .env("CDMX_ADMIN_PASSWORD", "a long operator password")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "a second admin with the same email is refused"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
}

#[test]
fn a_malformed_database_url_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = cdmx(&dir.path().join("unused.db"))
        .arg("serve")
        .env("CDMX_DATABASE_URL", "mysql://localhost/cdmx")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CDMX_DATABASE_URL") && stderr.contains("mysql"),
        "{stderr}"
    );
}
