//! Connection settings the way libpq users expect them: a URL or key=value
//! string, `PG*` environment variables for what it leaves out, and
//! `sslmode` / `sslrootcert` with libpq's meanings.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as PgSslMode};

use super::LiveError;

/// libpq's `sslmode`, minus `allow` (which nobody should want).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS or nothing, without checking the certificate.
    Require,
    /// TLS, certificate signed by a trusted CA (any host name).
    VerifyCa,
    /// TLS, certificate signed by a trusted CA and issued for this host.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode `{other}` (disable, prefer, require, verify-ca, verify-full)"
                ))
            }
        })
    }
}

/// What to connect to and how, before the environment fills the gaps.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `postgresql://...` or `host=... dbname=...`; None = `PG*` variables only.
    pub url: Option<String>,
    /// Overrides the URL's and `PGSSLMODE`.
    pub sslmode: Option<SslMode>,
    /// Overrides the URL's and `PGSSLROOTCERT`.
    pub sslrootcert: Option<String>,
    pub connect_timeout: Option<Duration>,
}

/// A resolved connection: the driver's config, the TLS mode and a label
/// (`user@host:port/db`, never the password) for messages.
pub struct Target {
    pub config: tokio_postgres::Config,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
    pub label: String,
}

/// Removes `sslmode` and `sslrootcert` from a URL's query or a key=value
/// string (the driver knows neither `verify-*` nor root certificates), and
/// returns them separately.
fn take_tls_params(url: &str) -> (String, Option<String>, Option<String>) {
    let mut mode = None;
    let mut root = None;
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if is_url {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None, None);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("sslmode", v)) => mode = Some(v.to_string()),
                Some(("sslrootcert", v)) => root = Some(percent_decode(v)),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, mode, root)
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            match word.split_once('=') {
                Some(("sslmode", v)) => mode = Some(v.trim_matches('\'').to_string()),
                Some(("sslrootcert", v)) => root = Some(v.trim_matches('\'').to_string()),
                _ => kept.push(word),
            }
        }
        (kept.join(" "), mode, root)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds the target from the options and `env` (a lookup, so tests need not
/// touch the process environment).
pub fn resolve(
    opts: &ConnectOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, LiveError> {
    let (rest, url_mode, url_root) = match &opts.url {
        Some(u) => take_tls_params(u),
        None => (String::new(), None, None),
    };
    let mut config = if rest.trim().is_empty() {
        tokio_postgres::Config::new()
    } else {
        tokio_postgres::Config::from_str(&rest).map_err(|e| {
            // The driver's message names the bad part; it does not echo the URL.
            LiveError::Usage(format!("invalid connection string: {e}"))
        })?
    };
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) => {
                for host in h.split(',') {
                    config.host(host);
                }
            }
            None => {
                // libpq's default: the local socket directory, else localhost.
                if std::path::Path::new("/var/run/postgresql").is_dir() {
                    config.host_path("/var/run/postgresql");
                } else {
                    config.host("localhost");
                }
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(p) = env("PGPORT") {
            let port = p
                .parse::<u16>()
                .map_err(|_| LiveError::Usage(format!("PGPORT `{p}` is not a port number")))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".to_string());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(pw) = env("PGPASSWORD") {
            config.password(pw);
        }
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env("PGDATABASE") {
            config.dbname(&db);
        }
    }
    let mode_text = url_mode.or_else(|| env("PGSSLMODE"));
    let sslmode = match opts.sslmode {
        Some(m) => m,
        None => match mode_text {
            Some(t) => t.parse().map_err(LiveError::Usage)?,
            None => SslMode::Prefer,
        },
    };
    let sslrootcert = opts
        .sslrootcert
        .clone()
        .or(url_root)
        .or_else(|| env("PGSSLROOTCERT"));
    config.application_name("pgvet");
    config.connect_timeout(opts.connect_timeout.unwrap_or(Duration::from_secs(10)));
    config.ssl_mode(match sslmode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        _ => PgSslMode::Require,
    });
    let label = label(&config);
    Ok(Target {
        config,
        sslmode,
        sslrootcert,
        label,
    })
}

/// `user@host:port/dbname` for messages; never the password. With several
/// hosts (a URL's authority and `?host=`, or a list), each with its port, in
/// the order they are tried: `user@a:5432,b:5433/db`.
fn label(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().unwrap_or("?");
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                Host::Tcp(h) => h.clone(),
                Host::Unix(p) => p.display().to_string(),
            };
            // One port for all hosts, or one per host.
            let port = match ports {
                [one] => *one,
                many => many.get(i).copied().unwrap_or(5432),
            };
            format!("{host}:{port}")
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "?:5432".to_string()
    } else {
        hosts.join(",")
    };
    let db = config.get_dbname().unwrap_or(user);
    format!("{user}@{hosts}/{db}")
}

/// The rustls configuration for a mode (unused for `disable`).
pub fn tls_config(
    sslmode: SslMode,
    sslrootcert: Option<&str>,
) -> Result<rustls::ClientConfig, LiveError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| LiveError::Tls(format!("TLS setup failed: {e}")))?;
    let verify = matches!(sslmode, SslMode::VerifyCa | SslMode::VerifyFull);
    if !verify {
        // libpq's prefer and require encrypt without checking who answers.
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    match sslrootcert {
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| LiveError::Tls(format!("cannot read sslrootcert `{path}`: {e}")))?;
            let certs: Vec<CertificateDer<'static>> =
                rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
                    .collect::<Result<_, _>>()
                    .map_err(|e| {
                        LiveError::Tls(format!("sslrootcert `{path}` is not PEM: {e:?}"))
                    })?;
            if certs.is_empty() {
                return Err(LiveError::Tls(format!(
                    "sslrootcert `{path}` holds no certificate"
                )));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    LiveError::Tls(format!("sslrootcert `{path}`: unusable certificate: {e}"))
                })?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A broken system certificate is skipped, as libpq does.
                let _ = roots.add(cert);
            }
        }
    }
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()
    .map_err(|e| LiveError::Tls(format!("TLS setup failed: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if sslmode == SslMode::VerifyCa {
        Arc::new(AnyHostName(webpki))
    } else {
        webpki
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Accepts any certificate, still checking the handshake's signatures.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// verify-ca: the chain must lead to a trusted root; the host name may differ.
#[derive(Debug)]
struct AnyHostName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn url_tls_params_are_taken_out() {
        let (rest, mode, root) = take_tls_params(
            "postgresql://u:p@h:6543/db?sslmode=verify-full&sslrootcert=%2Fa%20b.crt&connect_timeout=5",
        );
        assert_eq!(rest, "postgresql://u:p@h:6543/db?connect_timeout=5");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/a b.crt"));
        let (rest, mode, _) = take_tls_params("host=h sslmode=require dbname=x");
        assert_eq!(rest, "host=h dbname=x");
        assert_eq!(mode.as_deref(), Some("require"));
    }

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let env = env_of(&[
            ("PGHOST", "db.example"),
            ("PGPORT", "6543"),
            ("PGUSER", "auditor"),
            ("PGPASSWORD", "s3cret"),
            ("PGDATABASE", "app"),
            ("PGSSLMODE", "require"),
        ]);
        let t = resolve(&ConnectOptions::default(), &env).unwrap();
        assert_eq!(t.label, "auditor@db.example:6543/app");
        assert_eq!(t.sslmode, SslMode::Require);
        assert_eq!(t.config.get_password(), Some(&b"s3cret"[..]));

        // The URL wins over the environment, the flag over both.
        let opts = ConnectOptions {
            url: Some("postgresql://me@other:5433/x?sslmode=disable".into()),
            ..ConnectOptions::default()
        };
        let t = resolve(&opts, &env).unwrap();
        assert_eq!(t.label, "me@other:5433/x");
        assert_eq!(t.sslmode, SslMode::Disable);
        let opts = ConnectOptions {
            sslmode: Some(SslMode::VerifyFull),
            ..opts
        };
        assert_eq!(resolve(&opts, &env).unwrap().sslmode, SslMode::VerifyFull);
    }

    #[test]
    fn every_host_is_named_with_its_port() {
        let opts = |url: &str| ConnectOptions {
            url: Some(url.to_string()),
            ..ConnectOptions::default()
        };
        let none = |_: &str| None;
        let t = resolve(
            &opts("postgresql://me@localhost/d?host=/tmp/sock&port=55432"),
            &none,
        )
        .unwrap();
        assert!(!t.label.contains("localhost:5432/"), "{}", t.label);
        assert!(t.label.contains("/tmp/sock:55432"), "{}", t.label);
        let t = resolve(&opts("host=a,b port=5433,5434 user=me dbname=x"), &none).unwrap();
        assert_eq!(t.label, "me@a:5433,b:5434/x");
    }

    #[test]
    fn bad_input_is_a_usage_error_without_the_password() {
        let opts = ConnectOptions {
            url: Some("postgresql://u:hunter2@h/db?sslmode=sometimes".into()),
            ..ConnectOptions::default()
        };
        let err = resolve(&opts, &|_| None).err().unwrap().to_string();
        assert!(err.contains("sslmode `sometimes`"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let opts = ConnectOptions {
            url: Some("postgresql://u:hunter2@h:notaport/db".into()),
            ..ConnectOptions::default()
        };
        let err = resolve(&opts, &|_| None).err().unwrap().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn verify_full_without_roots_file_uses_the_system_store() {
        assert!(tls_config(SslMode::VerifyFull, None).is_ok());
        let err = tls_config(SslMode::VerifyFull, Some("/nonexistent/root.crt"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("cannot read sslrootcert"), "{err}");
    }
}
