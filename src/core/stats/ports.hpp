// What the statistics page ([10] item 6) needs from storage: counts made by the database (one GROUP
// BY over a time range each), never rows loaded to be counted here.
#pragma once

#include "core/common/repositories.hpp"

namespace mina::stats {

class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Schools& schools() = 0;
    virtual ports::Statistics& statistics() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::stats
