//! Tests of the generator on its fixtures and of the checks on the real workspace.
