//! Typed async client for the SaladCloud container groups API (work in progress).
