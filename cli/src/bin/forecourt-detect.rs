//! `forecourt-detect FILE.csv`: anomalies of a `timestamp,value` series as CSV on stdout.
//! Season, baseline and threshold are chosen from the data; what was chosen goes to stderr.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = || -> Result<(), forecourt_cli::CliError> {
        let path = forecourt_cli::detect_args(&args)?;
        let series = forecourt_cli::read_series(&path)?;
        let (csv, summary) = forecourt_cli::detect(&series)?;
        print!("{csv}");
        eprintln!("forecourt-detect: {summary}");
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("forecourt-detect: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
