//! PostgreSQL through `sqlx`'s native driver: statements prepared and cached per connection by
//! sqlx, rows read into [`Row`]s by the column's type.

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query as SqlxQuery;
use sqlx::{Column, PgConnection, Postgres, Row as _, Transaction, TypeInfo, ValueRef};

use crate::db::{Arg, DbError, Outcome, Query, Row, Value, Want};

/// A pooled connection (reads) or a transaction (writes).
pub(crate) enum PgConn {
    Pooled(PoolConnection<Postgres>),
    Tx(Transaction<'static, Postgres>),
}

impl PgConn {
    fn connection(&mut self) -> &mut PgConnection {
        match self {
            PgConn::Pooled(conn) => conn,
            PgConn::Tx(tx) => tx,
        }
    }

    pub(crate) async fn run(&mut self, query: &Query, want: Want) -> Result<Outcome, DbError> {
        let sql = sqlx::AssertSqlSafe(query.sql.as_str().to_owned());
        let mut statement: SqlxQuery<'_, Postgres, PgArguments> = sqlx::query(sql);
        for arg in &query.args {
            statement = match arg {
                Arg::Int(number) => statement.bind(*number),
                Arg::Real(number) => statement.bind(*number),
                Arg::Text(text) => statement.bind(text.clone()),
                Arg::Blob(bytes) => statement.bind(bytes.clone()),
                Arg::NullInt => statement.bind(Option::<i64>::None),
                Arg::NullReal => statement.bind(Option::<f64>::None),
                Arg::NullText => statement.bind(Option::<String>::None),
            };
        }
        let conn = self.connection();
        match want {
            Want::Nothing => {
                let done = statement.execute(conn).await?;
                Ok(Outcome {
                    rows: Vec::new(),
                    rows_affected: done.rows_affected(),
                })
            }
            Want::FirstRow => {
                let row = statement.fetch_optional(conn).await?;
                Ok(Outcome {
                    rows: row
                        .iter()
                        .map(|row| convert(row, None))
                        .collect::<Result<_, _>>()?,
                    rows_affected: 0,
                })
            }
            Want::Rows => {
                let found = statement.fetch_all(conn).await?;
                let columns = found.first().map(column_names);
                let rows = found
                    .iter()
                    .map(|row| convert(row, columns.clone()))
                    .collect::<Result<_, _>>()?;
                Ok(Outcome {
                    rows,
                    rows_affected: 0,
                })
            }
        }
    }

    pub(crate) async fn run_script(&mut self, sql: &str) -> Result<(), DbError> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(self.connection())
            .await?;
        Ok(())
    }
}

fn column_names(row: &PgRow) -> Arc<[String]> {
    row.columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect()
}

fn convert(row: &PgRow, columns: Option<Arc<[String]>>) -> Result<Row, DbError> {
    let columns = columns.unwrap_or_else(|| column_names(row));
    let mut values = Vec::with_capacity(columns.len());
    for (index, column) in row.columns().iter().enumerate() {
        let decode_error = |error: sqlx::Error| DbError::Decode {
            column: column.name().to_owned(),
            message: error.to_string(),
        };
        if row.try_get_raw(index).map_err(decode_error)?.is_null() {
            values.push(Value::Null);
            continue;
        }
        let value = match column.type_info().name() {
            "INT8" => Value::Int(row.try_get::<i64, _>(index).map_err(decode_error)?),
            "INT4" => Value::Int(i64::from(
                row.try_get::<i32, _>(index).map_err(decode_error)?,
            )),
            "INT2" => Value::Int(i64::from(
                row.try_get::<i16, _>(index).map_err(decode_error)?,
            )),
            "BOOL" => Value::Int(i64::from(
                row.try_get::<bool, _>(index).map_err(decode_error)?,
            )),
            "FLOAT8" => Value::Real(row.try_get::<f64, _>(index).map_err(decode_error)?),
            "FLOAT4" => Value::Real(f64::from(
                row.try_get::<f32, _>(index).map_err(decode_error)?,
            )),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "UNKNOWN" => {
                Value::Text(row.try_get::<String, _>(index).map_err(decode_error)?)
            }
            "BYTEA" => Value::Blob(row.try_get::<Vec<u8>, _>(index).map_err(decode_error)?),
            "VOID" => Value::Null,
            other => {
                return Err(DbError::Decode {
                    column: column.name().to_owned(),
                    message: format!("type {other} is not read by the store; cast it in SQL"),
                });
            }
        };
        values.push(value);
    }
    Ok(Row::new(columns, values))
}
