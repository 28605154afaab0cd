//! The `cdmx` command line: serve (the default), operator commands, the OpenAPI document.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use cdmx_sdk::types::Role;
use clap::{Parser, Subcommand};

use crate::app::demo;
use crate::config::Settings;
use crate::db::{Database, accounts, write_transaction};
use crate::domain::accounts::{EmailAddress, Password};
use crate::startup::Application;
use crate::{auth, openapi, telemetry};

#[derive(Debug, Parser)]
#[command(name = "cdmx", version, about = "cdmx: the CDMO exchange backend")]
pub struct Cli {
    /// A TOML configuration file (also CDMX_CONFIG). Environment variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Operator accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document, or write it to a file.
    Openapi {
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load the demo data set into an empty database and print the demo logins; or
    /// `demo reset-password` for a new demo password.
    Demo {
        #[command(subcommand)]
        command: Option<DemoCommand>,
    },
    /// Add synthetic CDMOs with realistic profiles, for benchmarks.
    Seed {
        /// How many profiles to add.
        #[arg(long, default_value_t = 10_000)]
        profiles: u64,
        /// The generator's seed: the same seed gives the same profiles.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Index of the first profile in the seed's stream (to add more later).
        #[arg(long, default_value_t = 0)]
        first_index: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Give the demo logins a new password (CDMX_DEMO_PASSWORD, or a fresh random one)
    /// and print how to sign in. Works while the server runs.
    ResetPassword,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform admin. The password is read from CDMX_ADMIN_PASSWORD, or
    /// from the first line of standard input; there is never a default password.
    Create {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi { output } => {
            let json = openapi::document_json().map_err(|e| e.to_string())?;
            match output {
                Some(path) => std::fs::write(&path, json)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Command::Serve => {
            let settings = load(cli.config)?;
            telemetry::init(&settings);
            let demo = settings.demo_data_enabled();
            let jwt_secret_set = settings.jwt_secret.is_some();
            let app = Application::build(settings)
                .await
                .map_err(|e| e.to_string())?;
            let address = app.address().to_owned();
            let demo_login = if demo {
                let db = app.database().clone();
                let (shown, secret_set) = (address.clone(), jwt_secret_set);
                tokio::task::spawn_blocking(move || demo_status(&db, &shown, secret_set))
                    .await
                    .map_err(|e| e.to_string())??
            } else {
                None
            };
            println!("cdmx listening on http://{address}");
            println!("Swagger UI: http://{address}/docs/");
            if let Some(login) = demo_login {
                println!("{login}");
            }
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Demo { command } => {
            let settings = load(cli.config)?;
            telemetry::init(&settings);
            let url = settings.database_url.clone();
            let address = settings.bind.clone();
            tokio::task::spawn_blocking(move || {
                let db = Database::connect(&url, 1).map_err(|e| e.to_string())?;
                match command {
                    None => match load_demo(&db, &address)? {
                        Some(login) => println!("{login}"),
                        None => println!(
                            "the database is not empty: demo data not loaded. For a new demo \
                             password: cdmx demo reset-password"
                        ),
                    },
                    Some(DemoCommand::ResetPassword) => {
                        println!("{}", reset_demo_password(&db, &address)?)
                    }
                }
                Ok::<_, String>(())
            })
            .await
            .map_err(|e| e.to_string())?
        }
        Command::Seed {
            profiles,
            seed,
            first_index,
        } => {
            let settings = load(cli.config)?;
            telemetry::init(&settings);
            let url = settings.database_url.clone();
            tokio::task::spawn_blocking(move || {
                let db = Database::connect(&url, 1).map_err(|e| e.to_string())?;
                let started = std::time::Instant::now();
                demo::seed_profiles(&db, profiles, seed, first_index)
                    .map_err(|e| e.to_string())?;
                println!(
                    "added {profiles} synthetic CDMOs (seed {seed}, from index {first_index}) in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                Ok::<_, String>(())
            })
            .await
            .map_err(|e| e.to_string())?
        }
        Command::Admin {
            command: AdminCommand::Create { email },
        } => {
            let settings = load(cli.config)?;
            telemetry::init(&settings);
            let email = EmailAddress::parse(&email).map_err(|e| format!("--email {e}"))?;
            let password = read_admin_password()?;
            let password = Password::parse(&password).map_err(|e| format!("password {e}"))?;
            let url = settings.database_url.clone();
            let shown = email.as_str().to_owned();
            let user_id =
                tokio::task::spawn_blocking(move || create_platform_admin(&url, &email, &password))
                    .await
                    .map_err(|e| e.to_string())??;
            println!("created platform admin {shown} ({user_id})");
            Ok(())
        }
    }
}

/// Creates a platform admin (and the platform organisation on first use); returns the
/// user id. Blocking: hashes the password and writes to the database.
pub fn create_platform_admin(
    database_url: &str,
    email: &EmailAddress,
    password: &Password,
) -> Result<String, String> {
    let hash = auth::passwords::hash(password).map_err(|e| e.to_string())?;
    let db = Database::connect(database_url, 1).map_err(|e| e.to_string())?;
    let mut conn = db.blocking_connection().map_err(|e| e.to_string())?;
    write_transaction(&mut conn, |c| {
        let platform = accounts::platform_organization(c)?;
        let user = accounts::UserRow::new(&platform.id, email.as_str(), hash, Role::Admin);
        accounts::insert_user(c, &user)?;
        Ok(user.id)
    })
    .map_err(|e| e.to_string())
}

/// What to print about the demo at start: how to sign in after loading it, or, when the
/// database already holds it, how to get a demo login again.
fn demo_status(
    db: &Database,
    address: &str,
    jwt_secret_set: bool,
) -> Result<Option<String>, String> {
    if let Some(loaded) = load_demo(db, address)? {
        return Ok(Some(loaded));
    }
    if !demo::has_demo_logins(db).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let mut text = format!(
        "Demo data already loaded; its password was printed at the first start. For a new \
         demo password (CDMX_DEMO_PASSWORD, or a random one), run: cdmx demo reset-password \
         (with the same CDMX_DATABASE_URL; the logins are {} and {})",
        demo::DEMO_SPONSOR_EMAIL,
        demo::DEMO_CDMO_EMAIL
    );
    if !jwt_secret_set {
        text.push_str(
            "\nTokens issued before this start are no longer valid (set CDMX_JWT_SECRET to keep \
             them across restarts): sign in again.",
        );
    }
    Ok(Some(text))
}

/// The demo password: CDMX_DEMO_PASSWORD, or a fresh random one.
fn demo_password() -> Result<Password, String> {
    let password = match std::env::var("CDMX_DEMO_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut bytes = [0u8; 12];
            getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    Password::parse(&password).map_err(|e| format!("CDMX_DEMO_PASSWORD {e}"))
}

/// Loads the demo data if the database is empty; returns how to sign in to it.
fn load_demo(db: &Database, address: &str) -> Result<Option<String>, String> {
    // Hashing the demo password is deliberately slow: skip it on every later start.
    if !demo::database_is_empty(db).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let password = demo_password()?;
    let hash = auth::passwords::hash(&password).map_err(|e| e.to_string())?;
    let loaded = demo::load_if_empty(db, &hash).map_err(|e| e.to_string())?;
    Ok(loaded.map(|loaded| {
        format!(
            "Demo data loaded: {} CDMOs, {} sponsors. {}",
            loaded.cdmos,
            loaded.sponsors,
            demo::sign_in_instructions(address, password.expose())
        )
    }))
}

/// Gives the demo logins a new password; returns how to sign in with it.
fn reset_demo_password(db: &Database, address: &str) -> Result<String, String> {
    let password = demo_password()?;
    let hash = auth::passwords::hash(&password).map_err(|e| e.to_string())?;
    match demo::reset_password(db, &hash).map_err(|e| e.to_string())? {
        0 => Err("this database holds no demo logins; load the demo with `cdmx demo`".into()),
        _ => Ok(format!(
            "Demo password reset. {}",
            demo::sign_in_instructions(address, password.expose())
        )),
    }
}

fn load(file: Option<PathBuf>) -> Result<Settings, String> {
    Settings::from_process_env(file.as_deref()).map_err(|e| e.to_string())
}

fn read_admin_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("CDMX_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "password for the new platform admin (input is echoed; prefer CDMX_ADMIN_PASSWORD):"
        );
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
