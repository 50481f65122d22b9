// Pages kept rendered for as long as what they were made from has not changed. Each page is stored
// with a stamp of what it was made from, and a page is answered only to a caller whose stamp is
// equal; an unequal one removes it. Least recently used pages leave first. Thread-safe.
//
//   PageCache    Ansök om studiemedel's searches, which anyone may read and many ask for alike:
//                stamped with the generation they were made at (studietider::Service::
//                search_generation, which follows the database's change log).
//   ViewerPages  pages after login made from nothing but the viewer, the language and the query
//                (Startsida): stamped with the whole viewer (session, person, grants) but the
//                session's idle clock, which no page shows, so a page is answered again only to
//                the same session while nothing it shows has changed, whoever changed it and
//                however this server learnt of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/login/portal.hpp"

namespace mina::web {

/// Viewers alike in all a page shows: all but the session's last use, which a request may move.
struct SameShown {
    bool operator()(const portal::Viewer& a, const portal::Viewer& b) const {
        Session session = a.session;
        session.last_seen_at = b.session.last_seen_at;
        return session == b.session && a.person == b.person && a.access == b.access && a.agency_admin == b.agency_admin;
    }
};

template <class Stamp, class Same = std::equal_to<Stamp>>
class StampedPages final {
   public:
    /// `capacity` pages at most (0: nothing is kept); a page larger than kLargestPage is not kept.
    explicit StampedPages(std::size_t capacity) : capacity_(capacity) {}
    static constexpr std::size_t kLargestPage = 256 * 1024;

    [[nodiscard]] std::optional<std::string> get(const std::string& key, const Stamp& stamp) {
        if (capacity_ == 0) return std::nullopt;
        std::lock_guard lock(mutex_);
        const auto it = by_key_.find(key);
        if (it == by_key_.end() || !Same{}(it->second->stamp, stamp)) {
            if (it != by_key_.end()) {  // made from something that has changed since
                pages_.erase(it->second);
                by_key_.erase(it);
            }
            misses_.fetch_add(1, std::memory_order_relaxed);
            return std::nullopt;
        }
        pages_.splice(pages_.begin(), pages_, it->second);
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second->body;
    }

    void put(const std::string& key, const Stamp& stamp, std::string body) {
        if (capacity_ == 0 || body.size() > kLargestPage) return;
        std::lock_guard lock(mutex_);
        if (const auto it = by_key_.find(key); it != by_key_.end()) {
            pages_.erase(it->second);
            by_key_.erase(it);
        }
        pages_.push_front(Page{key, stamp, std::move(body)});
        by_key_.emplace(key, pages_.begin());
        while (pages_.size() > capacity_) {
            by_key_.erase(pages_.back().key);
            pages_.pop_back();
        }
    }

    [[nodiscard]] std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

   private:
    struct Page {
        std::string key;
        Stamp stamp;
        std::string body;
    };
    const std::size_t capacity_;
    std::mutex mutex_;
    std::list<Page> pages_;  // most recently used first
    std::unordered_map<std::string, typename std::list<Page>::iterator> by_key_;
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
};

using PageCache = StampedPages<std::int64_t>;
using ViewerPages = StampedPages<portal::Viewer, SameShown>;

}  // namespace mina::web
