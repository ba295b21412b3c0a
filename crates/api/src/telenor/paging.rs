//! Paging parameters and the page wrapper of the v2 list endpoints.

use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use sentral_services::corporate::{JsonPaged, PageRequest, Paged};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::TelenorError;

/// `page` from 0 and `pageSize` 1–1000 (default 100).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The page to return, from 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub page: Option<String>,
    /// Entries per page, 1–1000; 100 when not given.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub page_size: Option<String>,
}

/// Parses an integer query parameter; the error names it.
pub fn integer(name: &str, value: Option<&str>) -> Result<Option<i64>, TelenorError> {
    value
        .filter(|text| !text.is_empty())
        .map(|text| {
            text.trim().parse::<i64>().map_err(|_| {
                TelenorError::BadRequest(format!("{name}: must be an integer, got {text:?}"))
            })
        })
        .transpose()
}

impl PageParams {
    pub fn request(&self) -> Result<PageRequest, TelenorError> {
        Ok(PageRequest::new(
            integer("page", self.page.as_deref())?,
            integer("pageSize", self.page_size.as_deref())?,
            100,
        )?)
    }
}

/// One page of a v2 list: the entries in `content`, and where the page stands in the whole.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageBody<T> {
    pub content: Vec<T>,
    /// This page's number, from 0.
    pub page: u32,
    pub page_size: u32,
    /// Entries matching in all pages.
    pub total_elements: i64,
    pub total_pages: i64,
}

impl<T> PageBody<T> {
    pub fn of<S>(paged: Paged<S>, shape: impl FnMut(S) -> T) -> Self {
        let total_pages = paged.total_pages();
        Self {
            page: paged.request.page,
            page_size: paged.request.page_size,
            total_elements: paged.total,
            total_pages,
            content: paged.items.into_iter().map(shape).collect(),
        }
    }
}

/// The fields of a [`PageBody`] after `content`, in the same order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageTail {
    page: u32,
    page_size: u32,
    total_elements: i64,
    total_pages: i64,
}

/// A [`PageBody`] whose entries the store wrote as JSON: the same bytes, without parsing them.
pub fn json_page(paged: &JsonPaged) -> Response {
    with_content(
        paged.content.as_str(),
        &PageTail {
            page: paged.request.page,
            page_size: paged.request.page_size,
            total_elements: paged.total,
            total_pages: paged.total_pages(),
        },
    )
}

/// `{"content":<content>,…tail}`: a JSON array written elsewhere, then `tail`'s fields.
pub fn with_content(content: &str, tail: &impl Serialize) -> Response {
    let mut body = Vec::with_capacity(content.len() + 96);
    body.extend_from_slice(b"{\"content\":");
    body.extend_from_slice(content.as_bytes());
    let start = body.len();
    if let Err(error) = sentral_json::write(&mut body, tail) {
        tracing::error!(request_id = %crate::request_id::current(), %error, "page fields did not serialize");
        return TelenorError::Internal.into_response();
    }
    // The tail's object joins the content's: its `{` becomes the comma, or goes with an empty one.
    if body.len() - start == 2 {
        body.truncate(start);
        body.push(b'}');
    } else {
        body[start] = b',';
    }
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}
