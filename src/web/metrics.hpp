// Prometheus metrics (GET /metrics). prometheus-cpp is included by metrics.cpp only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace mina::web {

class Metrics {
   public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    void request(int status, double seconds);
    /// Login outcomes: "success", "denied", "expired", "throttled".
    void login(std::string_view outcome);
    void queue_depth(std::string_view pool, double depth);
    /// Mail delivery attempts: "sent", "spooled", "retry", "failed".
    void mail(std::string_view outcome);
    [[nodiscard]] std::string text() const;

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mina::web
