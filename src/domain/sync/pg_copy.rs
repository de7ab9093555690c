//! Bulk writes on PostgreSQL through `COPY`. Insert statements stay under 12 KiB there
//! (see `rows_per_statement`), so writing a big tenant's rows statement by statement is
//! thousands of round trips; `COPY` streams them into a temporary table (which writes no
//! WAL) and one statement applies them.

use std::fmt::Write;

use sea_orm::sqlx::{self, PgConnection, PgPool};

use super::SyncError;

/// Bytes of `COPY` data sent at a time.
const CHUNK: usize = 256 * 1024;

/// One row of `COPY` text: each column written by `row` through [`Line`].
pub(super) struct Line<'a> {
    buf: &'a mut String,
    first: bool,
}

impl Line<'_> {
    pub fn number(&mut self, n: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{n}");
        self
    }

    /// A time to the microsecond (truncated, as a bound parameter would be).
    pub fn time(&mut self, at: chrono::DateTime<chrono::Utc>) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{}", at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00"));
        self
    }

    /// Text, or `\N` for none; backslash, tab and line ends escaped.
    pub fn text(&mut self, value: Option<&str>) -> &mut Self {
        self.sep();
        let Some(value) = value else {
            self.buf.push_str("\\N");
            return self;
        };
        for c in value.chars() {
            match c {
                '\\' => self.buf.push_str("\\\\"),
                '\t' => self.buf.push_str("\\t"),
                '\n' => self.buf.push_str("\\n"),
                '\r' => self.buf.push_str("\\r"),
                c => self.buf.push(c),
            }
        }
        self
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push('\t');
        }
        self.first = false;
    }
}

/// Copies `rows` into `table` on `conn`; returns how many went in.
pub(super) async fn copy_rows<T>(
    conn: &mut PgConnection,
    table: &str,
    rows: impl IntoIterator<Item = T>,
    mut row: impl FnMut(&mut Line<'_>, T),
) -> Result<u64, SyncError> {
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} FROM STDIN"))
        .await
        .map_err(sqlx_error)?;
    let mut buf = String::with_capacity(CHUNK + 1024);
    for r in rows {
        row(
            &mut Line {
                buf: &mut buf,
                first: true,
            },
            r,
        );
        buf.push('\n');
        if buf.len() >= CHUNK {
            copy.send(buf.as_bytes()).await.map_err(sqlx_error)?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await.map_err(sqlx_error)?;
    }
    copy.finish().await.map_err(sqlx_error)
}

/// In one transaction: creates the temporary `table (columns)`, copies `rows` into it,
/// runs `apply` (which reads it) and drops it at commit; returns the rows `apply`
/// affected. With a profile, the transaction first holds it (the rows name it, and no
/// foreign key stops its deletion meanwhile).
pub(super) async fn apply_copied<T>(
    pool: &PgPool,
    profile_id: Option<i64>,
    (table, columns): (&str, &str),
    rows: impl IntoIterator<Item = T>,
    row: impl FnMut(&mut Line<'_>, T),
    apply: &str,
) -> Result<u64, SyncError> {
    let mut tx = pool.begin().await.map_err(sqlx_error)?;
    if let Some(profile_id) = profile_id {
        hold_profile(&mut tx, profile_id).await?;
    }
    execute(
        &mut tx,
        &format!("CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP"),
    )
    .await?;
    copy_rows(&mut tx, table, rows, row).await?;
    let affected = execute(&mut tx, apply).await?;
    tx.commit().await.map_err(sqlx_error)?;
    Ok(affected)
}

/// Takes a key-share lock on the profile; refuses a profile deleted meanwhile.
pub(super) async fn hold_profile(
    conn: &mut PgConnection,
    profile_id: i64,
) -> Result<(), SyncError> {
    let held: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM integration_profile WHERE id = $1 FOR KEY SHARE")
            .bind(profile_id)
            .fetch_optional(conn)
            .await
            .map_err(sqlx_error)?;
    match held {
        Some(_) => Ok(()),
        None => Err(SyncError::Precondition(super::PROFILE_GONE.into())),
    }
}

/// Runs one statement made of this module's and its callers' own text (no input in it).
pub(super) async fn execute(conn: &mut PgConnection, sql: &str) -> Result<u64, SyncError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map_err(sqlx_error)?
        .rows_affected())
}

pub(super) fn sqlx_error(err: sqlx::Error) -> SyncError {
    sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(err))).into()
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn a_line_escapes_what_copy_reads_as_structure() {
        let mut buf = String::new();
        let mut line = Line {
            buf: &mut buf,
            first: true,
        };
        line.text(Some("a\tb\\c\nd\re'\"ü"))
            .text(None)
            .number(-7)
            .time("2026-12-06T10:11:12.999999999Z".parse().unwrap());
        assert_eq!(
            buf,
            "a\\tb\\\\c\\nd\\re'\"ü\t\\N\t-7\t2026-12-06T10:11:12.999999+00:00"
        );
    }
}
