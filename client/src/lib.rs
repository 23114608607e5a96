//! Library behind the `escrow` CLI.
