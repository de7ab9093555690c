//! `seatkeeper backup`: a consistent copy of the embedded SQLite database, taken while the
//! server runs (`VACUUM INTO` reads one snapshot), with the master key file beside it, so
//! the copy is a database a server can start on. PostgreSQL is backed up with `pg_dump`.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use crate::config::{DatabaseKind, Settings};

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub database: PathBuf,
    /// The key file copied beside it; `None` when the key is `SEATKEEPER_MASTER_KEY`.
    pub key_file: Option<PathBuf>,
}

/// Why a backup was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=seatkeeper.dump \"$SEATKEEPER_DATABASE_URL\") and keep SEATKEEPER_MASTER_KEY with it"
    )]
    Postgres,
    #[error("{0} already exists: choose a new file")]
    Exists(PathBuf),
    #[error("the database is not a file (an in-memory SQLite database cannot be backed up)")]
    NotAFile,
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("the copy failed its integrity check: {0}")]
    Corrupt(String),
    #[error("key file: {0}")]
    Key(#[from] std::io::Error),
}

/// The key file a database file uses (the server's rule: `<file>.key` beside it).
fn key_file_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Writes a copy of the configured SQLite database to `output` (which must not exist)
/// and, unless the key comes from `SEATKEEPER_MASTER_KEY`, the key file to `<output>.key`
/// (mode 0600). The copy is checked before this returns.
pub async fn backup(settings: &Settings, output: &Path) -> Result<Backup, BackupError> {
    if settings.database_kind() == DatabaseKind::Postgres {
        return Err(BackupError::Postgres);
    }
    if settings.sqlite_path().is_none() {
        return Err(BackupError::NotAFile);
    }
    let key_out = key_file_for(output);
    for path in [output, key_out.as_path()] {
        if path.exists() {
            return Err(BackupError::Exists(path.to_owned()));
        }
    }
    let db = crate::db::connect(settings).await?;
    let target = output.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await?;
    db.close().await?;
    check(output).await?;
    let key_file = match &settings.master_key {
        Some(_) => None,
        None => {
            let key = settings.key_file_path();
            std::fs::copy(&key, &key_out)?;
            set_owner_only(&key_out)?;
            Some(key_out)
        }
    };
    Ok(Backup {
        database: output.to_owned(),
        key_file,
    })
}

async fn check(path: &Path) -> Result<(), BackupError> {
    let copy: DatabaseConnection =
        Database::connect(format!("sqlite://{}?mode=ro", path.display())).await?;
    let row = copy
        .query_one_raw(sea_orm::Statement::from_string(
            copy.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await?;
    copy.close().await?;
    let verdict: String = row
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or_default();
    if verdict == "ok" {
        Ok(())
    } else {
        Err(BackupError::Corrupt(verdict))
    }
}

fn set_owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}
