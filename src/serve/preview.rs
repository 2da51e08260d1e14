//! The preview page (`GET /preview`): placeholder.

use crate::serve::App;
use axum::Router;
use std::sync::Arc;

/// The preview routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
}
