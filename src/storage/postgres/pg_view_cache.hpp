// Viewers kept between requests on PostgreSQL, and forgotten the moment any server changes them.
//
// Every page after login reads its viewer (ports::Sessions::view: the session, its person and the
// person's grants). On PostgreSQL that read is a round trip and a wakeup of a backend for every page.
// So each server keeps the viewers it has read (storage/view_cache.hpp), and the database
// tells every server what to forget: triggers (migration 0008) NOTIFY channel `mina_views` when a
// session, a person or their grants change, whoever changes them. A Listener holds one connection
// that LISTENs, and hands those notices to the ViewCache.
//
// A notice arrives a little after its commit, and a logout on server A must end the session on
// server B at once. So before a request with a session cookie is served, it waits for a fence: one
// empty query on the listening connection, sent after the request arrived. PostgreSQL delivers every
// notice of a transaction that committed before that query was read ahead of the query's answer,
// so once the answer is in, every change that anyone was told of before the request came is known
// to the cache. One fence serves every request that came while the previous one was on its way: under
// load, many pages share one small round trip instead of each making its own read.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/view_cache.hpp"

struct pg_conn;  // libpq's PGconn

namespace mina::storage::pg {

using storage::ViewCache;

/// The connection that LISTENs on `mina_views` and runs the fences, on a thread of its own. It
/// reconnects by itself; while it cannot, the cache is not in use and fences pass at once (the pages
/// then read the database, and fail as it fails).
class Listener {
   public:
    /// `conninfo`: the database URL. Starts the thread; the first connection is made there.
    Listener(std::string conninfo, int connect_timeout_s, ViewCache& cache);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    /// Calls `done` (on the listener's thread, or on the caller's when the cache is not in use) once
    /// every change committed before this call is known to the cache.
    void fence(std::function<void()> done);

    /// A fence's answer may take this long before the connection is given up as lost.
    static constexpr std::chrono::milliseconds kFenceTimeout{2000};

   private:
    void run();
    /// One connection's life: LISTEN, then notices and fences until it fails or we stop.
    void serve(::pg_conn* conn);
    /// Passes every waiting fence (when the cache is not in use).
    void release_all();
    void wake();

    const std::string conninfo_;
    const int connect_timeout_s_;
    ViewCache& cache_;
    std::mutex mu_;
    std::condition_variable cv_;  // wakes run() between connection attempts
    std::vector<std::function<void()>> waiting_;
    bool stopping_ = false;
    bool fencing_ = false;  // a fence is on its way: fence() need not wake the listener
    int wake_fd_ = -1;      // an eventfd: fence() and the destructor wake serve()'s poll
    std::thread thread_;    // last: it starts once everything above is ready
};

}  // namespace mina::storage::pg
