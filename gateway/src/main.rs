//! `amplocal`: parse configuration, prepare the data dir, build the services, bind the port,
//! print `Ready.` and serve until SIGINT/SIGTERM.

use amplocal::config::{Cli, Command, CredentialModeArg};
use amplocal::{build_app, run, AppState};
use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, RandomIds, SystemClock};
use clap::Parser;
use std::io::Write;
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Ca { data_dir }) => {
            anyhow::bail!("`amplocal ca` is not implemented yet (data dir {})", data_dir.display())
        }
        Some(Command::Healthcheck { url }) => {
            anyhow::bail!("`amplocal healthcheck` is not implemented yet ({url})")
        }
        None => serve(cli.serve),
    }
}

fn serve(args: amplocal::config::ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(args.log_filter()))
        .with_writer(std::io::stderr)
        .init();
    let addr = args.listen_addr().map_err(anyhow::Error::msg)?;
    let (data_dir, _temp) = if args.ephemeral {
        let t = tempfile::Builder::new().prefix("amplocal-").tempdir()?;
        (t.path().to_path_buf(), Some(t))
    } else {
        std::fs::create_dir_all(&args.data_dir)?;
        (args.data_dir.clone(), None)
    };
    let mode = match args.credential_mode {
        CredentialModeArg::Lenient => CredentialMode::Lenient,
        CredentialModeArg::Strict => CredentialMode::Strict,
    };
    let creds = CredentialStore::new(mode);
    for (k, s) in args.credential_pairs().map_err(anyhow::Error::msg)? {
        creds.insert_static(&k, &s);
    }
    let core = CoreCtx::new(Arc::new(SystemClock), Arc::new(RandomIds), creds, data_dir.clone());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let state = AppState::new(core, &args.services)?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        tracing::info!(listen = %listener.local_addr()?, data_dir = %data_dir.display(), "amplocal listening");
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "Ready.")?;
            out.flush()?;
        }
        run(listener, build_app(state), shutdown_signal()).await?;
        Ok::<_, anyhow::Error>(())
    })?;
    drop(_temp);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
