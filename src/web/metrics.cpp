#include "web/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <mutex>

namespace mina::web {

struct Metrics::Impl {
    prometheus::Registry registry;
    prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                            .Name("mina_http_requests_total")
                                                            .Help("HTTP responses by status class")
                                                            .Register(registry);
    prometheus::Family<prometheus::Histogram>& duration = prometheus::BuildHistogram()
                                                              .Name("mina_http_request_duration_seconds")
                                                              .Help("Time from a complete request to its response")
                                                              .Register(registry);
    prometheus::Family<prometheus::Counter>& logins =
        prometheus::BuildCounter().Name("mina_logins_total").Help("Login attempts by outcome").Register(registry);
    prometheus::Family<prometheus::Counter>& mails =
        prometheus::BuildCounter().Name("mina_mail_total").Help("Mail delivery attempts by outcome").Register(registry);
    prometheus::Family<prometheus::Gauge>& queues = prometheus::BuildGauge()
                                                        .Name("mina_pool_queue_depth")
                                                        .Help("Requests waiting for or running on a pool")
                                                        .Register(registry);
    std::array<prometheus::Counter*, 6> by_class{};
    prometheus::Histogram* hist = nullptr;

    Impl() {
        for (std::size_t i = 1; i < by_class.size(); ++i)
            by_class[i] = &requests.Add({{"code", std::to_string(i) + "xx"}});
        hist = &duration.Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                         0.25, 0.5, 1, 2.5});
    }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::request(int status, double seconds) {
    const auto cls = static_cast<std::size_t>(status / 100);
    if (cls >= 1 && cls < impl_->by_class.size()) impl_->by_class[cls]->Increment();
    impl_->hist->Observe(seconds);
}

void Metrics::login(std::string_view outcome) { impl_->logins.Add({{"outcome", std::string(outcome)}}).Increment(); }

void Metrics::mail(std::string_view outcome) { impl_->mails.Add({{"outcome", std::string(outcome)}}).Increment(); }

void Metrics::queue_depth(std::string_view pool, double depth) {
    impl_->queues.Add({{"pool", std::string(pool)}}).Set(depth);
}

std::string Metrics::text() const { return prometheus::TextSerializer().Serialize(impl_->registry.Collect()); }

}  // namespace mina::web
