// Response::after_writes (web/server.cpp, run_request): an answer whose writes are handed on is sent
// only once they are committed, from whichever thread says so, and a 503 instead when they fail.
// The real server on a loopback port, with a handler of its own.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "web/metrics.hpp"
#include "web/server.hpp"

namespace mina::web {
namespace {

/// One request over a fresh connection; the whole answer as text.
std::string ask(int port, const std::string& path) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return "no connection";
    }
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)write(fd, req.data(), req.size());
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return out;
}

TEST(ServerAfterWrites, TheAnswerWaitsForItsWritesAndIsA503WhenTheyFail) {
    std::atomic<bool> committed{false};
    ServerHooks hooks;
    hooks.pool_for = [](const Request&) { return PoolKind::io; };
    hooks.handle = [&](Request& req) {
        Response res = Response::text(200, "klart");
        const bool fail = req.path == "/fel";
        res.after_writes = [&committed, fail](std::function<void(std::exception_ptr)> done) {
            // Committed later, on a thread of its own, as GroupCommit's thread does.
            std::thread([&committed, fail, done = std::move(done)] {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                if (fail) {
                    done(std::make_exception_ptr(std::runtime_error("disk full")));
                    return;
                }
                committed = true;
                done(nullptr);
            }).detach();
        };
        return res;
    };
    std::promise<int> port;
    hooks.listening = [&port](const std::string& base) { port.set_value(std::stoi(base.substr(base.rfind(':') + 1))); };
    ServerOptions o;
    o.port = 0;
    o.access_log = false;
    o.shutdown_grace = std::chrono::seconds{2};
    Metrics metrics;
    std::thread server([&] { serve(o, hooks, metrics); });
    const int p = port.get_future().get();

    const std::string ok = ask(p, "/");
    EXPECT_TRUE(ok.starts_with("HTTP/1.1 200")) << ok;
    EXPECT_NE(ok.find("klart"), std::string::npos);
    EXPECT_TRUE(committed.load()) << "answered only after the writes were committed";

    const std::string failed = ask(p, "/fel");
    EXPECT_TRUE(failed.starts_with("HTTP/1.1 503")) << failed;
    EXPECT_EQ(failed.find("klart"), std::string::npos) << "what it would have said is never sent";

    std::raise(SIGTERM);
    server.join();
}

}  // namespace
}  // namespace mina::web
