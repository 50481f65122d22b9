// The statistics page ([10] item 6): pictures of reports per week, logins and locked accounts per
// day and the outbox's mail, each an inline SVG drawn here (web/charts) with a table of the same
// figures. For the agency (every school, or one) and a school's authorization administrator (their
// school). stats::Service checks the viewer on every call.
#pragma once

#include "core/stats/statistics.hpp"
#include "web/pages.hpp"

namespace mina::web {

class StatsPages final : Pages {
   public:
    struct Services {
        stats::Service& stats;
    };
    StatsPages(PageContext& ctx, Services s) : Pages(ctx), s_(s) {}
    void add_routes(Router& router);

   private:
    Response statistics(Request& req, Authed& a);
    Response forbidden(const Authed& a, Request& req);

    Services s_;
};

}  // namespace mina::web
