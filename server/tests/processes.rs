//! Two real `cdmx` processes on one database (PostgreSQL when `CDMX_TEST_DATABASE_URL`
//! names a server, otherwise a shared SQLite file): one's in-memory index sees the
//! other's writes at once, and holds racing through both never double-book.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use diesel::prelude::*;
use serde_json::{Value, json};

const SECRET: &str = "two-processes-share-this-secret-ok!";

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdmx"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CDMX_DATABASE_URL", database_url)
        .env("CDMX_BIND", "127.0.0.1:0")
        .env("CDMX_JWT_SECRET", SECRET)
        .env("CDMX_DEMO_DATA", "false")
        .env("CDMX_LOG", "error")
        .env("CDMX_WORKERS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("cdmx listening on http://")
        .unwrap()
        .to_owned();
    Server { child, address }
}

/// One request; returns the status and the JSON body.
fn call(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, Value) {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let json = response
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

fn sign_up(server: &Server, kind: &str, email: &str) -> String {
    let password = "correct horse battery staple";
    let body =
        json!({"name": email, "kind": kind, "admin": {"email": email, "password": password}});
    assert_eq!(
        call(server, "POST", "/v1/organizations", None, &[], Some(&body)).0,
        201
    );
    let grant = json!({"grant_type": "password", "email": email, "password": password});
    let (status, token) = call(server, "POST", "/v1/auth/token", None, &[], Some(&grant));
    assert_eq!(status, 200);
    token["access_token"].as_str().unwrap().to_owned()
}

fn profile(name: &str) -> Value {
    json!({
        "organization": {"name": name, "type": "commercial_cdmo"},
        "sites": [{"key": "main", "name": "Main", "country": "FR", "city": "Lyon", "latitude": 45.76, "longitude": 4.84,
                   "cleanrooms": [{"grade": "b", "count": 2, "area_m2": 200.0}], "closed_processing": true, "isolators": false}],
        "donor_sources": {"autologous": {"batches_per_year": 100}},
        "modalities": ["car_t"],
        "gene_modification": {"methods": ["lentiviral"]},
        "phases": [{"phase": "phase_1", "programmes": 2, "gmp_batches": 20}],
        "platforms": [],
        "automation": {"automated_wash_concentration": true, "automated_formulation": false, "fill": "manual", "controlled_rate_freezers": 1},
        "quality": {"qms": true, "gmp_warehouse": true, "validation_programme": true, "calibration_programme": true},
        "qc": {"in_house_assays": ["mycoplasma"], "qp_release": false},
        "cryo": {"min_storage_temp_c": -180, "controlled_rate_freezing": true},
        "logistics": {"regions_served": ["europe"], "chain_of_custody": true},
        "performance": {},
        "tech_transfer": {"comparability_support": false, "process_development_services": false},
        "soft_factors": {}
    })
}

/// A database of its own for this test: a fresh PostgreSQL database, or an SQLite file.
fn database(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match std::env::var("CDMX_TEST_DATABASE_URL") {
        Ok(admin) if !admin.trim().is_empty() => {
            let name = format!("cdmx_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin).expect("PostgreSQL is reachable");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .unwrap();
            let server = admin
                .split('?')
                .next()
                .unwrap()
                .rsplit_once('/')
                .unwrap()
                .0
                .to_owned();
            (format!("{server}/{name}"), Some((admin, name)))
        }
        _ => (
            format!("sqlite://{}", dir.join("shared.db").display()),
            None,
        ),
    }
}

#[test]
fn two_processes_share_one_database_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = database(dir.path());
    let a = start(&url);
    let b = start(&url);

    let cdmo = sign_up(&a, "cdmo", "qa@helix.example");
    let sponsor = sign_up(&b, "sponsor", "buyer@acme.example");
    // B builds its index while there is no profile.
    assert_eq!(
        call(&b, "GET", "/v1/cdmos", Some(&sponsor), &[], None).1["items"],
        json!([])
    );

    let (status, created) = call(
        &a,
        "POST",
        "/v1/cdmos",
        Some(&cdmo),
        &[],
        Some(&profile("Helix")),
    );
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, hits) = call(&b, "GET", "/v1/cdmos", Some(&sponsor), &[], None);
    assert_eq!(
        hits["items"][0]["id"],
        json!(id),
        "a profile created through A is searchable on B at once"
    );

    let patch = json!({"modalities": ["car_t", "nk"]});
    let (status, _) = call(
        &a,
        "PATCH",
        &format!("/v1/cdmos/{id}"),
        Some(&cdmo),
        &[("If-Match", "\"1\"")],
        Some(&patch),
    );
    assert_eq!(status, 200);
    let (_, hits) = call(
        &b,
        "GET",
        "/v1/cdmos?modality=nk",
        Some(&sponsor),
        &[],
        None,
    );
    assert_eq!(
        hits["items"][0]["revision"],
        json!(2),
        "an edit through A is on B's next request"
    );

    // Unlisted through A: gone from B's search and matches on its next request, and not
    // readable there by a sponsor without dealings; relisted through A: back on B.
    let unlist = json!({"reason": "intake_paused"});
    let (status, listing) = call(
        &a,
        "POST",
        &format!("/v1/cdmos/{id}/unlist"),
        Some(&cdmo),
        &[],
        Some(&unlist),
    );
    assert_eq!(status, 200, "{listing}");
    assert_eq!(listing["status"], json!("unlisted"));
    let search_b = || call(&b, "GET", "/v1/cdmos", Some(&sponsor), &[], None).1["items"].clone();
    let match_b = || {
        let request =
            json!({"requirements": {"criteria": [{"criterion": "success_rate", "weight": 1.0}]}});
        let (status, result) = call(
            &b,
            "POST",
            "/v1/matches",
            Some(&sponsor),
            &[],
            Some(&request),
        );
        assert_eq!(status, 200, "{result}");
        result["feasible_count"].as_u64().unwrap() + result["excluded_count"].as_u64().unwrap()
    };
    assert_eq!(
        search_b(),
        json!([]),
        "an unlisting through A is on B's next request"
    );
    assert_eq!(match_b(), 0);
    assert_eq!(
        call(
            &b,
            "GET",
            &format!("/v1/cdmos/{id}"),
            Some(&sponsor),
            &[],
            None
        )
        .0,
        404
    );
    let (status, _) = call(
        &a,
        "POST",
        &format!("/v1/cdmos/{id}/relist"),
        Some(&cdmo),
        &[],
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        search_b()[0]["id"],
        json!(id),
        "a relisting through A is on B's next request"
    );
    assert_eq!(match_b(), 1);

    // 24 holds race through both processes for 3 slots.
    let block = json!({"site_key": "main", "suite": "S1", "slot_kind": "clinical_gmp_batch", "donor_sources": ["autologous"],
                       "modalities": ["car_t"], "period_start": "2027-01-01", "period_end": "2027-03-31", "slots": 3, "lead_time_days": 30});
    let (status, block) = call(
        &a,
        "POST",
        &format!("/v1/cdmos/{id}/capacity"),
        Some(&cdmo),
        &[],
        Some(&block),
    );
    assert_eq!(status, 201);
    let block_id = block["id"].as_str().unwrap().to_owned();
    let servers = [&a, &b];
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..24)
            .map(|i| {
                let (server, token, block_id) = (servers[i % 2], sponsor.clone(), block_id.clone());
                scope.spawn(move || {
                    let key = uuid::Uuid::new_v4().to_string();
                    let hold = json!({"capacity_id": block_id, "slots": 1});
                    call(
                        server,
                        "POST",
                        "/v1/reservations",
                        Some(&token),
                        &[("Idempotency-Key", &key)],
                        Some(&hold),
                    )
                    .0
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        21,
        "{statuses:?}"
    );

    // The count in SQL agrees.
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM reservations WHERE capacity_id = '{block_id}' AND state = 'held'"
    );
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let held = match &pg {
        Some(_) => {
            diesel::sql_query(&count_sql)
                .get_result::<Count>(&mut PgConnection::establish(&url).unwrap())
                .unwrap()
                .n
        }
        None => {
            let path = url.trim_start_matches("sqlite://");
            diesel::sql_query(&count_sql)
                .get_result::<Count>(&mut SqliteConnection::establish(path).unwrap())
                .unwrap()
                .n
        }
    };
    assert_eq!(held, 3);

    drop((a, b));
    if let Some((admin, name)) = pg
        && let Ok(mut conn) = PgConnection::establish(&admin)
    {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn);
    }
}
