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
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/model.hpp"
#include "storage/view_cache.hpp"

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

/// A ViewCache (storage/view_cache.hpp) that forgets everything whenever the WAL-index header moves.
class SqliteViewers {
   public:
    explicit SqliteViewers(std::unique_ptr<WalIndexWatch> watch);

    [[nodiscard]] WalIndexHeader header() const { return watch_->header(); }

    /// The viewer kept for this session, if the database has not changed since it was read.
    [[nodiscard]] std::optional<Viewing> find(const std::string& id_hash);
    /// Keeps a viewer read in a read transaction that began at `at_begin`, if the database has not
    /// changed since (so the read saw the database as it is now).
    void keep(const std::string& id_hash, const Viewing& v, const WalIndexHeader& at_begin);

    [[nodiscard]] const ViewCache& cache() const { return cache_; }

   private:
    struct Settled {
        WalIndexHeader header;
        std::uint64_t epoch;  // the cache's, once it holds nothing older than `header`
    };
    /// Reads the header; if it moved since the last look, the cache forgets everything.
    Settled settle();

    std::unique_ptr<WalIndexWatch> watch_;
    ViewCache cache_;
    std::mutex mu_;
    WalIndexHeader seen_{};  // the header at the last look
};

}  // namespace mina::storage
