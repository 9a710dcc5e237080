#include "util/signals.hpp"

#include <atomic>
#include <csignal>

namespace kanon {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig)
{
    g_signal.store(sig);
}

}  // namespace

void catch_interrupts()
{
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking calls return, loops notice
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted()
{
    return g_signal.load() != 0;
}

int interrupt_signal()
{
    return g_signal.load();
}

sigset_t block_stop_signals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    (void)std::signal(SIGPIPE, SIG_IGN);  // cannot fail: a valid signal and SIG_IGN
    return signals;
}

}  // namespace kanon
