#include "app/outbox_worker.hpp"

#include <spdlog/spdlog.h>

#include "mail/mail.hpp"
#include "web/mails.hpp"

namespace mina::app {

OutboxWorker::OutboxWorker(mailer::Service& mailer, const web::Views& views, const web::SiteConfig& site,
                           const PolicyConfig& policy, const Clock& clock, OutboxOptions options)
    : mailer_(mailer), views_(views), site_(site), policy_(policy), clock_(clock), options_(std::move(options)) {
    thread_ = std::thread([this] { loop(); });
}

OutboxWorker::~OutboxWorker() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void OutboxWorker::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void OutboxWorker::loop() {
    for (;;) {
        try {
            run_once();
        } catch (const std::exception& e) {
            spdlog::error("outbox: {}", e.what());  // the database may be away; the next round tries again
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.poll, [&] { return stopping_ || woken_; });
        if (stopping_) return;
        woken_ = false;
    }
}

int OutboxWorker::run_once() {
    if (int n = mailer_.queue_reminders(clock_.now()); n > 0) spdlog::info("outbox: queued {} expiry reminder(s)", n);
    int handled = 0;
    while (auto claimed = mailer_.next(clock_.now())) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return handled;  // the lease runs out and another round sends it
        }
        const auto& m = claimed->mail;
        const auto composed = web::compose_mail(views_, site_, policy_, m, claimed->person, claimed->otp);
        const mail::Message message{options_.from, m.recipient, composed.subject, composed.text, composed.html};
        ++handled;
        if (options_.smtp_url.empty()) {
            try {
                const std::string path = mail::write_spool(options_.spool_dir, message);
                mailer_.sent(m, clock_.now(), "spooled: " + path);
                if (options_.count) options_.count("spooled");
                spdlog::info("outbox: mail {} ({}) to {} written to {}", m.id, to_string(m.kind), m.recipient, path);
            } catch (const std::exception& e) {
                mailer_.not_sent(m, clock_.now(), e.what(), false);
                if (options_.count) options_.count("retry");
                spdlog::warn("outbox: mail {} could not be spooled: {}", m.id, e.what());
            }
            continue;
        }
        const auto result = mail::send_smtp(options_.smtp_url, message);
        if (result.fate == mail::Fate::sent) {
            mailer_.sent(m, clock_.now(), result.detail);
            if (options_.count) options_.count("sent");
            spdlog::info("outbox: mail {} ({}) to {} sent: {}", m.id, to_string(m.kind), m.recipient, result.detail);
        } else {
            mailer_.not_sent(m, clock_.now(), result.detail, result.fate == mail::Fate::failed);
            if (options_.count) options_.count(result.fate == mail::Fate::failed ? "failed" : "retry");
            spdlog::warn("outbox: mail {} ({}) to {} not sent (attempt {}): {}", m.id, to_string(m.kind), m.recipient,
                         m.attempts, result.detail);
        }
    }
    return handled;
}

}  // namespace mina::app
