// Pages anyone may read that many ask for alike (Ansök om studiemedel's searches), kept rendered
// for as long as the data they were made from has not changed: each page is stored with the
// generation it was made at (studietider::Service::search_generation, which follows the
// database's change log), and a page of an older generation is never answered. Least recently
// used pages leave first. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mina::web {

class PageCache final {
   public:
    /// `capacity` pages at most (0: nothing is kept); a page larger than kLargestPage is not kept.
    explicit PageCache(std::size_t capacity) : capacity_(capacity) {}
    static constexpr std::size_t kLargestPage = 256 * 1024;

    [[nodiscard]] std::optional<std::string> get(const std::string& key, std::int64_t generation);
    void put(const std::string& key, std::int64_t generation, std::string body);

   private:
    struct Page {
        std::string key;
        std::int64_t generation = 0;
        std::string body;
    };
    const std::size_t capacity_;
    std::mutex mutex_;
    std::list<Page> pages_;  // most recently used first
    std::unordered_map<std::string, std::list<Page>::iterator> by_key_;
};

}  // namespace mina::web
