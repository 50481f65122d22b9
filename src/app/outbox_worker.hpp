// The outbox's delivery thread (SPEC §5): takes due mail from the database, composes it, and hands
// it to SMTP, or to the .eml spool when no SMTP server is configured. It also queues R7's expiry
// reminders. Any number of servers may run one: the database decides who sends which mail.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/mailer.hpp"
#include "web/site.hpp"
#include "web/views.hpp"

namespace mina::app {

struct OutboxOptions {
    std::string smtp_url;   // empty: write .eml files to spool_dir
    std::string spool_dir;
    std::string from;
    std::chrono::milliseconds poll{10000};  // how often to look for due mail (wake() is sooner)
    std::function<void(std::string_view outcome)> count;  // "sent", "spooled", "retry", "failed"
    std::string letters_dir;  // where the letters' PDFs go (R3)
};

class OutboxWorker {
   public:
    OutboxWorker(mailer::Service& mailer, const web::Views& views, const web::SiteConfig& site,
                 const PolicyConfig& policy, const Clock& clock, OutboxOptions options);
    ~OutboxWorker();  // stops and joins
    OutboxWorker(const OutboxWorker&) = delete;
    OutboxWorker& operator=(const OutboxWorker&) = delete;

    /// Mail is waiting: look now rather than at the next poll.
    void wake();
    /// One round: queue due reminders, then send every due mail. Returns how many were handled.
    int run_once();

   private:
    void loop();
    int render_letters();

    mailer::Service& mailer_;
    const web::Views& views_;
    const web::SiteConfig& site_;
    const PolicyConfig& policy_;
    const Clock& clock_;
    OutboxOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool woken_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mina::app
