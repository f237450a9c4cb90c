//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary
//! directory, a free port on 127.0.0.1, the unix socket in that directory,
//! stopped (and deleted) when dropped. As root, the server runs as the OS
//! user `postgres` (PostgreSQL refuses to run as root).
//!
//! Without a PostgreSQL server installed, [`Cluster::start`] returns None so
//! that the test can skip, except under `CI=true`, where it panics.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The password of the `postgres` superuser over TCP (local socket: trust).
pub const PASSWORD: &str = "pgvet-test-secret";

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or `pg_config --bindir`.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

impl Cluster {
    /// Starts a cluster, or returns None (skip) when no server is installed.
    pub fn start() -> Option<Cluster> {
        Cluster::start_with(&[])
    }

    /// As [`Cluster::start`], with extra server settings (`name=value`, no
    /// spaces or shell characters), e.g. `log_statement=all`.
    pub fn start_with(settings: &[&str]) -> Option<Cluster> {
        let Some(bin) = server_bin() else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but no PostgreSQL server is installed (scripts/install-deps installs it)");
            }
            eprintln!(
                "skipping: no PostgreSQL server installed (scripts/install-deps installs it)"
            );
            return None;
        };
        let as_postgres = is_root();
        let cluster = Cluster::empty_like(bin, as_postgres);
        let pwfile = cluster.dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("write pwfile");
        if as_postgres {
            let _ = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&pwfile)
                .status();
        }
        let data = cluster.data();
        let out = cluster.server_cmd("initdb", |c| {
            c.arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .args(["-E", "UTF8", "--no-locale", "-N"])
                .arg(format!("--pwfile={}", pwfile.display()));
        });
        assert!(out.status.success(), "initdb failed: {}", stderr(&out));
        cluster.launch(settings);
        Some(cluster)
    }

    /// An empty cluster directory (owned by `postgres` when root) on a free port.
    fn empty_like(bin: PathBuf, as_postgres: bool) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("pgvet-pg-")
            .tempdir()
            .expect("temp dir");
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown")
                .success();
            assert!(ok, "chown of the cluster directory failed");
        }
        Cluster {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        }
    }

    /// `pg_ctl start` on this cluster's data directory, port and socket
    /// directory, logging to `server.log` in the cluster directory.
    fn launch(&self, settings: &[&str]) {
        let mut opts = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off -c max_connections=40",
            self.port,
            self.dir.path().display()
        );
        for s in settings {
            opts.push_str(" -c ");
            opts.push_str(s);
        }
        let log = self.log_path();
        let data = self.data();
        let out = self.server_cmd("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(&opts)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"]);
        });
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            stderr(&out),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// What the server wrote to its log so far.
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A hot standby of this cluster: `pg_basebackup -R` (streaming
    /// replication over the unix socket) into a new directory, started on
    /// another port. Read-only; same roles and password.
    pub fn standby(&self) -> Cluster {
        let standby = Cluster::empty_like(self.bin.clone(), self.as_postgres);
        let data = standby.data();
        let out = self.server_cmd("pg_basebackup", |c| {
            c.arg("-h")
                .arg(self.socket_dir())
                .args(["-p", &self.port.to_string(), "-U", "postgres", "-D"])
                .arg(&data)
                .args(["-R", "-X", "stream", "-c", "fast"]);
        });
        assert!(
            out.status.success(),
            "pg_basebackup failed: {}",
            stderr(&out)
        );
        standby.launch(&[]);
        standby
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`), as a crash would.
    pub fn stop_immediately(&self) {
        let data = self.data();
        let out = self.server_cmd("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"]);
        });
        assert!(out.status.success(), "pg_ctl stop failed: {}", stderr(&out));
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn server_cmd(&self, program: &str, args: impl FnOnce(&mut Command)) -> Output {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        args(&mut cmd);
        cmd.output().expect("run a PostgreSQL server program")
    }

    /// A key=value connection string over the unix socket (trust).
    pub fn socket_url(&self, db: &str) -> String {
        format!(
            "host={} port={} user=postgres dbname={db}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// A URL over TCP with the password.
    pub fn tcp_url(&self, db: &str, password: &str) -> String {
        format!(
            "postgresql://postgres:{password}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// Runs psql as the superuser on `db`, stopping at the first error.
    pub fn psql(&self, db: &str, args: &[&str]) -> Output {
        self.psql_command(db).args(args).output().expect("run psql")
    }

    /// The psql command of [`Cluster::psql`], to spawn or add to.
    pub fn psql_command(&self, db: &str) -> Command {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db]);
        cmd
    }

    /// The result of a query, unaligned and without headers, trimmed.
    pub fn query(&self, db: &str, sql: &str) -> String {
        let out = self.psql(db, &["-A", "-t", "-c", sql]);
        assert!(out.status.success(), "{sql}\n{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs SQL, panicking with psql's message on failure.
    pub fn sql(&self, db: &str, sql: &str) {
        let out = self.psql(db, &["-c", sql]);
        assert!(out.status.success(), "{sql}\n{}", stderr(&out));
    }

    /// Applies a file, panicking with psql's message on failure.
    pub fn apply(&self, db: &str, file: &Path) {
        let file = file.display().to_string();
        let out = self.psql(db, &["-f", &file]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
    }

    pub fn create_db(&self, name: &str) {
        self.sql("postgres", &format!("create database {name}"));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.server_cmd("pg_ctl", |c| {
            c.arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"]);
        });
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
