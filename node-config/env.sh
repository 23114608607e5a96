# Environment for building and testing this repository. Source it (bash):
#   source node-config/env.sh
# Used by node-config/setup and tests/run. Safe to source more than once.
#
# - ../shared/bin (prebuilt pinned tools, optional) and ~/.cargo/bin go on PATH.
# - CONTRACTS_NODE: the substrate-contracts-node binary; ink_e2e and escrow_client::dev_node
#   start this one.
# - CARGO_TARGET_DIR is NOT set here: tests/run and setup set it per workspace from these
#   (defaults under ${XDG_CACHE_HOME:-~/.cache}/p2p-escrow/, or $CARGO_TARGET_DIR when set):
#   ESCROW_CONTRACTS_TARGET_DIR  target dir of the contracts/ workspace (cargo-contract output)
#   ESCROW_CLIENT_TARGET_DIR     target dir of the client workspace (repo root)
#   ESCROW_CONTRACTS_DIR         <contracts target>/release-bundles: node-config/setup builds each
#                                contract with `cargo contract build --release` and copies its
#                                bundle to <dir>/<name>/<name>.contract (+ .wasm, .json); the
#                                client, its tests and `escrow bench` load them from there. Not
#                                cargo-contract's own output <contracts target>/ink/<name>/: the
#                                contracts-e2e suite (ink_e2e) builds the same contracts in debug
#                                mode into that very directory and overwrites the release build.
# Any of them can be set before sourcing to override the default.

_escrow_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_escrow_path_prepend() {
    case ":${PATH}:" in
        *":$1:"*) ;;
        *) PATH="$1:${PATH}" ;;
    esac
}

_escrow_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
if [ -d "${_escrow_repo}/../shared/bin" ]; then
    # Prebuilt pinned tools win over ~/.cargo/bin.
    _escrow_path_prepend "$(cd "${_escrow_repo}/../shared/bin" && pwd)"
fi
export PATH

if [ -z "${CONTRACTS_NODE:-}" ]; then
    if _escrow_node="$(command -v substrate-contracts-node 2>/dev/null)"; then
        CONTRACTS_NODE="${_escrow_node}"
    else
        # Not installed yet (setup installs it); this is where it will be.
        CONTRACTS_NODE="${CARGO_HOME:-$HOME/.cargo}/bin/substrate-contracts-node"
    fi
fi
export CONTRACTS_NODE

ESCROW_CACHE_DIR="${ESCROW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/p2p-escrow}"
# A CARGO_TARGET_DIR set by the caller is used for both workspaces.
ESCROW_CONTRACTS_TARGET_DIR="${ESCROW_CONTRACTS_TARGET_DIR:-${CARGO_TARGET_DIR:-${ESCROW_CACHE_DIR}/target-contracts}}"
ESCROW_CLIENT_TARGET_DIR="${ESCROW_CLIENT_TARGET_DIR:-${CARGO_TARGET_DIR:-${ESCROW_CACHE_DIR}/target-client}}"
ESCROW_CONTRACTS_DIR="${ESCROW_CONTRACTS_DIR:-${ESCROW_CONTRACTS_TARGET_DIR}/release-bundles}"
ESCROW_REPO="${_escrow_repo}"
export ESCROW_CACHE_DIR ESCROW_CONTRACTS_TARGET_DIR ESCROW_CLIENT_TARGET_DIR ESCROW_CONTRACTS_DIR ESCROW_REPO

unset _escrow_repo _escrow_node
unset -f _escrow_path_prepend
