// The viewers a server keeps between requests, by session, whatever tells it what to forget: on
// PostgreSQL the database's notices (postgres/pg_view_cache.hpp), on SQLite the WAL-index header
// (sqlite/sqlite_viewers.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/common/model.hpp"

namespace mina::storage {

/// The viewers this server has read, by session id hash. Thread-safe. In use only while the store
/// learns of every change (set_listening): otherwise every call reads the database (lookups miss,
/// nothing is kept).
class ViewCache {
   public:
    explicit ViewCache(std::size_t capacity = 100'000) : capacity_(capacity) {}

    /// The viewer as last read, if kept and nothing told us to forget it since.
    [[nodiscard]] std::optional<Viewing> find(const std::string& id_hash);
    /// Taken before reading the database; keep() stores the read only if nothing was forgotten in
    /// between (a notice that came during the read may be about what it read).
    [[nodiscard]] std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
    void keep(const std::string& id_hash, const Viewing& v, std::uint64_t read_at_epoch);
    /// The session's idle clock moved (Sessions::touch): no notice says so, as it changes nothing a
    /// page shows; the kept copy follows, so that the next page does not touch it again.
    void touched(const std::string& id_hash, Timestamp at);
    /// The database has no such session (any more).
    void drop(const std::string& id_hash);

    /// A notice from channel `mina_views`: "s:<id_hash>", "p:<person id>" or "*" (anything else too).
    void forget(std::string_view notice);
    /// The Listener started or stopped listening: everything kept is forgotten either way (notices
    /// may have been missed), and from then on the cache is in use or not.
    void set_listening(bool on);
    [[nodiscard]] bool listening() const { return listening_.load(std::memory_order_acquire); }

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

   private:
    void forget_all_locked();

    const std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Viewing> viewers_;
    std::atomic<std::uint64_t> epoch_{0};  // changes (under mu_) whenever anything is forgotten
    std::atomic<bool> listening_{false};
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
};

}  // namespace mina::storage
