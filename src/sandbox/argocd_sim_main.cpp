// kanon-argocd-sim: the Argo CD API simulator as a program, for end-to-end
// tests and the sandbox. Loads a scenario, listens on 127.0.0.1, writes the
// port to --port-file once connections are accepted, and serves until
// SIGTERM or SIGINT (exit 0). docs/argocd-simulator.md describes it.
#include <csignal>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "sandbox/argocd_sim.hpp"
#include "util/files.hpp"
#include "util/signals.hpp"

namespace {

struct SimCommand {
    std::string scenario;
    std::string fixtures;  // empty: the scenario file's directory
    int port = 0;
    std::string port_file;
    std::string token;
    std::string token_file;
    std::string log;
};

kanon::Result<std::string> read_token(const SimCommand& command)
{
    if (command.token_file.empty()) {
        return command.token;
    }
    auto text = kanon::read_file(command.token_file);
    if (!text) {
        return text.take_error();
    }
    std::string token = *text;
    token.erase(token.find_last_not_of(" \t\r\n") + 1);
    return token;
}

// The port file appears whole (temp file, then rename), so a script that
// polls for it never reads a partial number.
kanon::Status write_port_file(const std::string& path, int port)
{
    std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << "\n";
        if (!out.flush()) {
            return kanon::Error{"cannot write " + temporary};
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        return kanon::Error{"cannot rename " + temporary + " to " + path + ": " + ec.message()};
    }
    return kanon::ok_status();
}

kanon::Status serve(const SimCommand& command, const sigset_t& stop_signals)
{
    std::string fixtures = command.fixtures;
    if (fixtures.empty()) {
        fixtures = std::filesystem::absolute(command.scenario).parent_path().string();
    }
    auto scenario = kanon::sandbox::load_scenario(command.scenario, fixtures);
    if (!scenario) {
        return scenario.take_error();
    }
    auto token = read_token(command);
    if (!token) {
        return token.take_error();
    }
    kanon::sandbox::ArgoSim sim(std::move(*scenario), {command.port, *token, command.log});
    if (auto started = sim.start(); !started) {
        return started.take_error();
    }
    if (!command.port_file.empty()) {
        if (auto written = write_port_file(command.port_file, sim.port()); !written) {
            return written.take_error();
        }
    }
    std::cerr << "kanon-argocd-sim: listening on http://127.0.0.1:" << sim.port() << std::endl;
    int received = 0;
    sigwait(&stop_signals, &received);
    sim.stop();
    return kanon::ok_status();
}

int run(int argc, char** argv)
{
    SimCommand command;
    CLI::App app{"Argo CD API simulator for kanon's tests and sandbox", "kanon-argocd-sim"};
    app.add_option("--scenario", command.scenario, "scenario file (JSON)")->required()->check(CLI::ExistingFile);
    app.add_option("--fixtures", command.fixtures, "directory of fixture files (default: the scenario's)")
        ->check(CLI::ExistingDirectory);
    app.add_option("--port", command.port, "port on 127.0.0.1; 0 picks a free one")->check(CLI::Range(0, 65535));
    app.add_option("--port-file", command.port_file, "write the port here once listening");
    auto* token = app.add_option("--token", command.token, "the bearer token to require (JWT-shaped)");
    app.add_option("--token-file", command.token_file, "read the token from this file instead")->excludes(token);
    app.add_option("--log", command.log, "append one line per request: METHOD PATH?QUERY STATUS");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(kanon::ExitCode::usage);
    }
    sigset_t stop_signals = kanon::block_stop_signals();
    auto served = serve(command, stop_signals);
    if (!served) {
        std::cerr << "kanon-argocd-sim: error: " << served.error().describe() << "\n";
        return static_cast<int>(served.error().code);
    }
    return 0;
}

}  // namespace

// An exception that escaped would end the program in std::terminate, with a
// core dump and no message a test's log could show.
int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "kanon-argocd-sim: error: " << e.what() << "\n";
    } catch (...) {
        std::cerr << "kanon-argocd-sim: error: an unknown exception\n";
    }
    return static_cast<int>(kanon::ExitCode::failed);
}
