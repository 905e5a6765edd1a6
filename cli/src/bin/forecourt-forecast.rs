//! `forecourt-forecast FILE.csv --horizon H [--season M]`: the next H steps with 80 % and 95 %
//! prediction intervals as CSV on stdout; the model and its backtest against the seasonal-naive
//! baseline go to stderr.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = || -> Result<(), forecourt_cli::CliError> {
        let parsed = forecourt_cli::forecast_args(&args)?;
        let series = forecourt_cli::read_series(&parsed.path)?;
        let (csv, summary) = forecourt_cli::forecast(&series, &parsed)?;
        print!("{csv}");
        eprintln!("forecourt-forecast: {summary}");
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("forecourt-forecast: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
