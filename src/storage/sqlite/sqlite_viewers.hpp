// The viewers a server on SQLite keeps between requests: a page after login needs the session, its
// person and their grants, and reading them costs a read transaction (a lock on the WAL-index, taken
// under a mutex every connection of the process shares) on every page.
//
// They are kept only while the database has not changed: the WAL-index header in `<db>-shm`, which
// SQLite rewrites at every commit and every restart of the WAL by any connection of any process
// (this server, `mina admin`, an operator's sqlite3), is read without a lock before each use (the
// shm file is in shared memory; the format is SQLite's documented walformat). Any change anywhere
// forgets them all. So a page never shows less than a read of the database at the moment the request
// arrived would have.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/model.hpp"

namespace mina::storage {

/// The first copy of the WAL-index header (walformat.html, "The WAL-Index Header"): 48 bytes.
using WalIndexHeader = std::array<std::byte, 48>;

/// `<db>-shm`, mapped read-only.
class WalIndexWatch {
   public:
    /// Null if the file cannot be opened or mapped (then nothing is kept).
    static std::unique_ptr<WalIndexWatch> open(const std::string& shm_path);
    ~WalIndexWatch();
    WalIndexWatch(const WalIndexWatch&) = delete;
    WalIndexWatch& operator=(const WalIndexWatch&) = delete;

    /// A copy taken without a lock: it differs from an earlier one if a transaction was committed in
    /// between (a copy torn by a commit under way differs too, which only forgets more).
    [[nodiscard]] WalIndexHeader header() const;

   private:
    WalIndexWatch(const void* base, std::size_t bytes) : base_(base), bytes_(bytes) {}
    const void* base_;
    std::size_t bytes_;
};

class SqliteViewers {
   public:
    explicit SqliteViewers(std::unique_ptr<WalIndexWatch> watch, std::size_t capacity = 100'000)
        : watch_(std::move(watch)), capacity_(capacity) {}

    [[nodiscard]] WalIndexHeader header() const { return watch_->header(); }

    /// The viewer kept for this session, if the database has not changed since it was read.
    [[nodiscard]] std::optional<Viewing> find(const std::string& id_hash);
    /// Keeps a viewer read in a read transaction that began at `at_begin`, if the database has not
    /// changed since (so the read saw the database as it is now).
    void keep(const std::string& id_hash, const Viewing& v, const WalIndexHeader& at_begin);

    [[nodiscard]] std::uint64_t hits() const;
    [[nodiscard]] std::uint64_t misses() const;
    [[nodiscard]] std::size_t size() const;

   private:
    /// Forgets everything if the header moved; returns the current header. Under mu_.
    WalIndexHeader settle();

    std::unique_ptr<WalIndexWatch> watch_;
    const std::size_t capacity_;
    mutable std::mutex mu_;  // held for a lookup only: a viewer is copied after it is let go
    WalIndexHeader seen_{};  // the header at which kept_ was true
    std::unordered_map<std::string, std::shared_ptr<const Viewing>> kept_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
};

}  // namespace mina::storage
