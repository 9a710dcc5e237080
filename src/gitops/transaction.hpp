// A write to web-core as a transaction: fetch the tip, apply idempotent
// edits, write a commit with plumbing (blobs, the trees on the changed paths
// with mktree, commit-tree), push it. When the push is rejected because the
// branch moved, fetch the new tip and try again, until the deadline; never
// force, never overwrite another writer's commit. Edits that change nothing
// make no commit.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gitops/snapshot.hpp"

namespace kanon::gitops {

using Files = std::map<std::string, std::string>;  // path -> content; absent files are not in the map

struct Proposal {
    Files changes;        // files to write (only those that differ are committed)
    std::string message;  // the commit message
};

// What a write does: which files it reads at the tip, and, given them, what
// it changes. `apply` must depend on nothing but its input: after the branch
// moved it runs again against the new tip when any file it reads changed
// there (another blob id, or a file that appeared or went away); when none
// did, its proposal, and the blobs already written for it, are used as they
// are. An Error from it ends the transaction (a refusal: nothing is pushed).
struct Plan {
    std::vector<std::string> reads;
    std::function<Result<Proposal>(const Files& tip)> apply;
};

struct Identity {
    std::string name;
    std::string email;
};

struct TransactionOptions {
    std::optional<Identity> author;  // default: the git environment, CI variables, or kanon
    // Retries go on while the branch keeps moving, until `deadline` from the
    // start (no attempt starts after it); max_attempts > 0 also caps them.
    int max_attempts = 0;
    std::chrono::milliseconds deadline{std::chrono::seconds(120)};
    std::chrono::milliseconds backoff_base{std::chrono::milliseconds(100)};
    std::chrono::milliseconds backoff_cap{std::chrono::seconds(4)};
    std::function<void(const std::string&)> progress;  // one line per event, for -v
};

struct TransactionResult {
    bool changed = false;
    std::string commit;  // the pushed commit ("" when nothing changed)
    std::string base;    // the tip it was made on (or found unchanged at)
    int attempts = 0;
    std::string branch;
    std::string repo;  // redacted
    Files tip;         // what `reads` held at the final tip
};

// Runs the plan on `snap` (a fresh fetch of the target branch), refreshing
// it as often as the branch moves.
Result<TransactionResult> run_transaction(Snapshot snap, const TransactionOptions& opts, const Plan& plan);

// How long to wait before the next attempt, after `attempts` attempts and
// `elapsed` since the transaction started; nullopt when it must give up (the
// deadline passed, or max_attempts were made). Capped exponential backoff
// with full jitter, never reaching past the deadline.
std::optional<std::chrono::milliseconds> retry_wait(const TransactionOptions& opts, int attempts,
                                                    std::chrono::milliseconds elapsed, std::mt19937& rng);

// The push outcome, classified from git's porcelain output and stderr.
// `lost`: the connection failed during the push (reset, timed out, hung up)
// with no verdict from the server, so the push may or may not have landed:
// the transaction reads the branch again to find out, and retries (at most
// k_lost_push_retries times) when it did not.
enum class PushVerdict { pushed, stale, rejected, lost };
struct PushOutcome {
    PushVerdict verdict = PushVerdict::pushed;
    std::string message;  // the server's reason, for `rejected`; git's, for `lost`
};
PushOutcome classify_push(int exit_code, const std::string& out, const std::string& err);
inline constexpr int k_lost_push_retries = 2;
// How far below the branch's tip a push whose answer was lost is looked
// for, when others have pushed on top of it since.
inline constexpr int k_landed_look_back = 64;

// Author identity from --author "Name <email>".
Result<Identity> parse_identity(const std::string& text);
Identity default_identity();

}  // namespace kanon::gitops
