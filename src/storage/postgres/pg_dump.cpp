#include "storage/postgres/pg_dump.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX asks the program to declare it

namespace mina::storage::pg {
namespace {

constexpr std::size_t kMaxMessage = std::size_t{64} * 1024;  // of pg_dump's stderr, for the exception

/// A conninfo value in single quotes, as libpq reads it.
std::string quoted(std::string_view v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

struct DumpTarget {
    std::string conninfo;  // every setting of the URL but the password
    std::string password;
};

DumpTarget split_password(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        const std::string reason = error ? error : "out of memory";
        PQfreemem(error);
        throw std::runtime_error("backup: invalid database url: " + reason);
    }
    DumpTarget out;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        if (std::string_view(o->keyword) == "password") out.password = o->val;
        else out.conninfo += std::string(out.conninfo.empty() ? "" : " ") + o->keyword + "=" + quoted(o->val);
    }
    PQconninfoFree(options);
    return out;
}

/// The server's environment, with PGPASSWORD set to `password` when the URL has one.
std::vector<std::string> child_environment(const std::string& password) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e)
        if (password.empty() || !std::string_view(*e).starts_with("PGPASSWORD=")) env.emplace_back(*e);
    if (!password.empty()) env.push_back("PGPASSWORD=" + password);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

class Pipe {
   public:
    Pipe() {
        if (::pipe2(fds_.data(), O_CLOEXEC) != 0)
            throw std::runtime_error("backup: pipe: " + std::generic_category().message(errno));
    }
    ~Pipe() {
        close_write();
        ::close(fds_[0]);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    [[nodiscard]] int read_end() const { return fds_[0]; }
    [[nodiscard]] int write_end() const { return fds_[1]; }
    void close_write() {
        if (fds_[1] >= 0) ::close(fds_[1]);
        fds_[1] = -1;
    }

   private:
    std::array<int, 2> fds_{-1, -1};
};

/// Starts pg_dump with stdin and stdout on /dev/null, stderr on `err`, no other descriptor of ours, and
/// the default signal mask and SIGPIPE (a server may block or ignore signals in its threads).
pid_t spawn(std::vector<std::string> args, std::vector<std::string> env, int err) {
    posix_spawn_file_actions_t fa{};
    posix_spawnattr_t attr{};
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    sigset_t none;
    sigemptyset(&none);
    sigset_t pipe_default;
    sigemptyset(&pipe_default);
    sigaddset(&pipe_default, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &pipe_default);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    auto argv = pointers(args);
    auto envp = pointers(env);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("backup: cannot start pg_dump: " + std::generic_category().message(rc));
    return pid;
}

std::string read_all(int fd) {
    std::string out;
    std::array<char, 4096> buf{};
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return out;
        if (out.size() < kMaxMessage) out.append(buf.data(), static_cast<std::size_t>(n));
    }
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("backup: waitpid: " + std::generic_category().message(errno));
    }
    return status;
}

std::string describe(int status, std::string message) {
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return "pg_dump is not installed or cannot run";
    const std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                : "exit status " + std::to_string(WEXITSTATUS(status));
    return "pg_dump failed (" + how + ")" + (message.empty() ? "" : ": " + message);
}

}  // namespace

void dump(const std::string& url, const std::string& path) {
    if (std::filesystem::exists(path)) throw std::runtime_error("backup target exists: " + path);
    const auto [conninfo, password] = split_password(url);
    Pipe err;
    const pid_t pid = spawn({"pg_dump", "--format=custom", "--no-password", "--file=" + path, "--dbname=" + conninfo},
                            child_environment(password), err.write_end());
    err.close_write();
    const std::string message = read_all(err.read_end());
    const int status = wait_for(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    std::error_code ignored;
    std::filesystem::remove(path, ignored);  // it did not exist before: only a partial dump is removed
    throw std::runtime_error("backup: " + describe(status, message));
}

}  // namespace mina::storage::pg
