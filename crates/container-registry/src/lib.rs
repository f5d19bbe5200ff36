//! Async client for the RCABench containers API v2 (work in progress).
