// SIGINT and SIGTERM as a flag that long-running loops poll, so a wait or a
// pipeline can stop cleanly, say what has happened, and exit 130.
#pragma once

namespace kanon {

// Installs the handlers (idempotent). Until then interrupted() is false.
void catch_interrupts();
[[nodiscard]] bool interrupted();
// The signal that arrived (SIGINT, SIGTERM), or 0.
[[nodiscard]] int interrupt_signal();

}  // namespace kanon
