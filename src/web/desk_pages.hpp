// The agency's desk ([10] item 3): what an agency administrator's Startsida shows above the school
// part (counts with links to the Identity Manager's lists, the accounts locked now with their
// schools, the newest events of the audit log in words). idm::Service counts, for the agency only.
#pragma once

#include "core/idm/idm.hpp"
#include "web/pages.hpp"

namespace mina::web {

class DeskPages final : Pages {
   public:
    struct Services {
        idm::Service& idm;
    };
    DeskPages(PageContext& ctx, Services s) : Pages(ctx), s_(s) {}

    /// Sets `agency_desk` in Startsida's data when the viewer is the agency's; false (nothing set)
    /// for everyone else. Read afresh on every request: the desk is never kept rendered.
    bool add_desk(const Authed& a, Data& d);

   private:
    Services s_;
};

}  // namespace mina::web
