use clap::Parser;
use server::{cli::Cli, config::Config, startup, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A bad setting stops start-up before anything else happens, with one
    // line naming it (no backtrace: these are the operator's mistakes, not
    // bugs).
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("accord: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_filter);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("accord: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(startup::run(cli.command.unwrap_or_default(), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("accord: {error}");
            ExitCode::FAILURE
        }
    }
}
