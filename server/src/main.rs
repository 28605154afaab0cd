use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cdmx::cli::Cli::parse();
    match cdmx::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cdmx: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
