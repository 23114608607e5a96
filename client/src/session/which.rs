//! The three contracts of a deployment by name: errors name them, so this sits below both the
//! deployment and the error types.

/// Which contract a write goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Escrow,
    Reputation,
    Requests,
}

impl Which {
    /// Every contract of a deployment, the escrow first.
    pub const ALL: [Which; 3] = [Which::Escrow, Which::Reputation, Which::Requests];

    pub fn name(self) -> &'static str {
        match self {
            Which::Escrow => "escrow",
            Which::Reputation => "reputation",
            Which::Requests => "requests",
        }
    }
}
