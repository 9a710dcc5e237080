// SIGINT and SIGTERM as a flag that long-running loops poll, so a wait or a
// pipeline can stop cleanly, say what has happened, and exit 130.
#pragma once

#include <csignal>

namespace kanon {

// Installs the handlers (idempotent). Until then interrupted() is false.
void catch_interrupts();
[[nodiscard]] bool interrupted();
// The signal that arrived (SIGINT, SIGTERM), or 0.
[[nodiscard]] int interrupt_signal();

// For a server that stops on a signal: blocks SIGTERM and SIGINT in this
// thread and in every thread it starts afterwards, so that sigwait() on the
// returned set is the one place they arrive, and ignores SIGPIPE.
sigset_t block_stop_signals();

}  // namespace kanon
