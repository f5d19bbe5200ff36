//! Async client for the Docker Engine API (work in progress).

pub mod frames;
